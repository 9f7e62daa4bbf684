# Java methods keep their Java names; JPype's decorators are untyped.
# ruff: noqa: N802, N806, N815
# mypy: disable-error-code="untyped-decorator"
"""Evidence for docs/ergo.md "Why not ergpy": what ergpy's bundled appkit does with our spends.

Not a test (it downloads a 50 MB wheel from PyPI). Run from the repository root:

    .venv/bin/python scripts/ergo/ergpy_evidence.py [--workdir DIR]

Three processes, because a JVM starts once per process and the two appkit jars must not mix:
1. this one (no JVM): ``pip download --no-deps ergpy==0.1.9.1``, unzip, read the jar's manifest;
2. ``appkit5`` (JVM with appkit 5 via protocol.ergo): build the spends on the offline ledger the
   tests use, sign each with sigma-rust and appkit 5, check with wasm ``validate_tx``, write
   them to a JSON file;
3. ``appkit4`` (JVM with ergpy's ergo.jar only): compile the same sources with the same
   constants, rebuild and sign the same unsigned transactions with that appkit's prover on an
   offline data source, then construct ``ergpy.appkit.ErgoAppKit`` with a closed local port.
Finally this process checks any transaction appkit 4 signed with wasm ``validate_tx``.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ERGPY = "ergpy==0.1.9.1"
ROOT = Path(__file__).resolve().parents[2]
TESTS_ERGO = ROOT / "tests" / "ergo"

# Refund paths beside a data-input path guarded by CONTEXT.dataInputs.size > 0, as small as
# they get; the spend has no data input, so only the refund can hold. The shapes differ in how
# the guarded conjunct reads the data input: inline, in an applied lambda, in a block with a
# val (as escrow.es's verdictSays does), or both.
MINIMAL_SOURCES = {
    "inline": """{
  val refund = HEIGHT > deadline && OUTPUTS(0).propositionBytes == proveDlog(owner).propBytes
  val released = CONTEXT.dataInputs.size > 0 && CONTEXT.dataInputs(0).R4[Int].get == 1
  sigmaProp(refund || released)
}""",
    "lambda": """{
  val says = { (v: Int) => CONTEXT.dataInputs.size > 0 && CONTEXT.dataInputs(0).R4[Int].get == v }
  val released = says(1) && CONTEXT.dataInputs(0).R5[Long].get > 0L
  val refund = HEIGHT > deadline && OUTPUTS(0).propositionBytes == proveDlog(owner).propBytes
  sigmaProp(released || refund)
}""",
    "lambda with val block": """{
  val says = { (v: Int) =>
    CONTEXT.dataInputs.size > 0 && {
      val d = CONTEXT.dataInputs(0)
      d.R4[Int].get == v
    }
  }
  val refund = HEIGHT > deadline && OUTPUTS(0).propositionBytes == proveDlog(owner).propBytes
  sigmaProp(says(1) || refund)
}""",
    "val block": """{
  val released = CONTEXT.dataInputs.size > 0 && {
    val d = CONTEXT.dataInputs(0)
    d.R4[Int].get == 1
  }
  val refund = HEIGHT > deadline && OUTPUTS(0).propositionBytes == proveDlog(owner).propBytes
  sigmaProp(released || refund)
}""",
}


def _java_error(exc: Any) -> str:
    """A Java exception as 'Class: message', with its causes."""
    parts: list[str] = []
    cause = exc
    while cause is not None and len(parts) < 12:
        message = str(cause.getMessage())
        parts.append(f"{cause.getClass().getName()}: {' '.join(message.split())[:300]}")
        cause = cause.getCause()
    return "\n      <- caused by ".join(parts)


# -- phase 2: appkit 5 -----------------------------------------------------------------------


def _phase_appkit5(out: Path) -> None:
    sys.path.insert(0, str(TESTS_ERGO))
    import jpype
    from conftest import Parties, World, with_data_boxes  # type: ignore[import-not-found]
    from ergo_lib_python.chain import Constant, EcPoint
    from ergo_wasm_validator import (  # type: ignore[import-not-found]
        tx_json,
        validate_cases,
        validation_case,
    )

    from protocol.ergo.appkit_prover import AppkitProver
    from protocol.ergo.compiler import compile_script
    from protocol.ergo.contracts import contract_source
    from protocol.ergo.errors import ErgoError
    from protocol.ergo.escrow_tx import refund_escrow
    from protocol.ergo.signer import sign_plan
    from protocol.ergo.tx_plan import FEE, TxPlan, assemble

    world = World({})
    System = jpype.JClass("java.lang.System")
    print(f"class path: {System.getProperty('java.class.path')}")
    params = world.contracts.params
    escrow_constants = {
        "gpucId": Constant(bytes.fromhex(params.gpuc_id)),
        "verdictNft": Constant(bytes.fromhex(params.verdict_nft)),
    }
    escrow = world.open_job(budget=1_000)
    world.ledger.advance(100)  # strictly past the escrow's timeout
    refund = refund_escrow(world.contracts, escrow, height=world.ledger.height)

    consumer_pk = Parties.pk(world.parties.consumer)
    # Well below HEIGHT: appkit's default pre-header sits at the tip's height, one below the
    # HEIGHT sigma-rust and a node use, so a deadline of HEIGHT - 1 would fail in appkit alone.
    deadline = world.ledger.height - 10
    minimal_constants = {
        "deadline": Constant.from_i32(deadline),
        "owner": Constant(EcPoint(bytes.fromhex(consumer_pk))),
    }
    minimal_cases = []
    for shape, source in MINIMAL_SOURCES.items():
        minimal = compile_script(f"minimal {shape}", source, minimal_constants)
        locked = world.ledger.genesis_box(minimal.tree(), 3_100_000)
        to_owner = _candidate(
            Parties.tree(world.parties.consumer), 3_100_000 - FEE, world.ledger.height
        )
        plan = assemble([locked], [to_owner], height=world.ledger.height)
        name = f"minimal refund ({shape}), no data input"
        minimal_cases.append((name, source, minimal_constants, minimal.tree_hex, plan))

    cases: list[tuple[str, str, dict[str, Any], str, TxPlan]] = [
        (
            "escrow refund, no data input",
            contract_source("escrow"),
            escrow_constants,
            world.contracts.escrow.tree_hex,
            refund,
        ),
        (
            "escrow refund, verdict box (other job) as data input",
            contract_source("escrow"),
            escrow_constants,
            world.contracts.escrow.tree_hex,
            with_data_boxes(refund, [world.verdict_box]),
        ),
        *minimal_cases,
    ]
    tip = world.ledger.tip
    prover = AppkitProver(tip)
    records = []
    for name, source, constants, tree_hex, plan in cases:
        record: dict[str, Any] = {
            "name": name,
            "source": source,
            "constants": {k: bytes(v).hex() for k, v in constants.items()},
            "tree_hex": tree_hex,
            "unsigned": json.loads(plan.unsigned.json()),
            "boxes_to_spend": [json.loads(b.json()) for b in plan.boxes_to_spend],
            "data_boxes": [json.loads(b.json()) for b in plan.data_boxes],
            "headers": list(tip.headers),
            "pre_header": tip.pre_header_json(),
            "height": tip.next_height,
        }
        signers: tuple[tuple[str, Callable[[TxPlan], Any]], ...] = (
            ("sigma-rust", partial(sign_plan, tip=tip)),
            ("appkit 5", prover.sign),
        )
        for label, sign in signers:
            try:
                tx = sign(plan)
            except ErgoError as exc:
                record[label] = f"REJECTED {type(exc).__name__}: {exc}"
                continue
            (verdict,) = validate_cases([validation_case(tx_json(tx), plan, tip)])
            record[label] = "signed; wasm validate_tx: " + (
                "valid" if verdict.valid else f"INVALID {verdict.error}"
            )
        records.append(record)
    out.write_text(json.dumps(records), encoding="utf-8")


def _candidate(tree: Any, value: int, height: int) -> Any:
    from ergo_lib_python.chain import ErgoBoxCandidate

    return ErgoBoxCandidate(value=value, script=tree, creation_height=height)


# -- phase 3: ergpy's appkit 4.0.10 ----------------------------------------------------------


def _phase_appkit4(jar: Path, wheel_dir: Path, cases_file: Path, out: Path) -> None:
    import jpype

    jpype.startJVM(classpath=[str(jar)], convertStrings=False)
    System = jpype.JClass("java.lang.System")
    class_path = System.getProperty("java.class.path")
    print(f"java {System.getProperty('java.version')}; class path: {class_path}")
    records = json.loads(cases_file.read_text(encoding="utf-8"))
    ctx = None
    for record in records:
        print(f"\n[{record['name']}]")
        tree_hex = _compile4(record)
        if ctx is None:
            ctx = _offline_context4(record)
        record["appkit 4.0.10"] = _sign4(ctx, record)
        if tree_hex is not None and tree_hex != record["tree_hex"]:
            record["appkit 4.0.10 (own tree)"] = _sign4(ctx, _with_tree(record, tree_hex))
    out.write_text(json.dumps(records), encoding="utf-8")
    _ergpy_needs_a_node(wheel_dir)


def _compile4(record: dict[str, Any]) -> str | None:
    import jpype

    HashMap = jpype.JClass("java.util.HashMap")
    ErgoValue = jpype.JClass("org.ergoplatform.appkit.ErgoValue")
    JavaHelpers = jpype.JClass("org.ergoplatform.appkit.JavaHelpers")
    env = HashMap()
    for key, value_hex in record["constants"].items():
        env.put(key, ErgoValue.fromHex(value_hex).getValue())
    try:
        tree = JavaHelpers.compile(env, record["source"], jpype.JByte(16))
    except jpype.JException as exc:
        print(f"  compile (4.0.10): FAILED {_java_error(exc)}")
        return None
    tree_hex = bytes(tree.bytes()).hex()
    same = tree_hex == record["tree_hex"]
    print(
        f"  compile (4.0.10): ok, {len(tree_hex) // 2} B tree; "
        + (
            "byte-identical to appkit 5's"
            if same
            else f"DIFFERS from appkit 5's ({len(record['tree_hex']) // 2} B)"
        )
    )
    record["compile 4.0.10"] = "identical tree" if same else f"different tree {tree_hex}"
    return tree_hex


def _with_tree(record: dict[str, Any], tree_hex: str) -> dict[str, Any]:
    """The same spend with the input guarded by appkit 4's own compilation of the source."""
    boxes = [dict(b, ergoTree=tree_hex) for b in record["boxes_to_spend"]]
    return {**record, "boxes_to_spend": boxes}


def _offline_context4(record: dict[str, Any]) -> Any:
    """appkit 4.0.10's BlockchainContext on an offline data source: headers, default parameters."""
    import jpype

    from protocol.ergo.appkit_prover import _PARAMETERS as PARAMETERS  # sigma-rust's defaults

    ArrayList = jpype.JClass("java.util.ArrayList")
    UnsupportedOperationException = jpype.JClass("java.lang.UnsupportedOperationException")
    NetworkType = jpype.JClass("org.ergoplatform.appkit.NetworkType")
    BlockHeaderImpl = jpype.JClass("org.ergoplatform.appkit.impl.BlockHeaderImpl")
    BlockHeader = jpype.JClass("org.ergoplatform.restapi.client.BlockHeader")
    Builder = jpype.JClass("org.ergoplatform.appkit.impl.BlockchainContextBuilderImpl")
    gson = jpype.JClass("org.ergoplatform.restapi.client.JSON")().getGson()
    headers = record["headers"]

    # One getter per parameter, generated (getStorageFeeFactor, ...); byte and enum by hand.
    def getter(value: Any) -> Any:
        return jpype.JOverride(lambda _self: value)

    getters = {
        f"get{key[0].upper()}{key[1:]}": getter(value)
        for key, value in PARAMETERS.items()
        if key != "blockVersion"
    }
    getters["getBlockVersion"] = getter(jpype.JByte(PARAMETERS["blockVersion"]))
    getters["getNetworkType"] = getter(NetworkType.TESTNET)
    Parameters = jpype.JImplements("org.ergoplatform.appkit.BlockchainParameters")(
        type("Parameters", (), getters)
    )

    @jpype.JImplements("org.ergoplatform.appkit.BlockchainDataSource")
    class OfflineDataSource:
        @jpype.JOverride
        def getParameters(self) -> Any:
            return Parameters()

        @jpype.JOverride
        def getLastBlockHeaders(self, count: int, _only_full: bool) -> Any:
            result = ArrayList()
            for header in headers[: int(count)]:
                result.add(
                    BlockHeaderImpl.createFromRestApi(
                        gson.fromJson(json.dumps(header), BlockHeader)
                    )
                )
            return result

        def _offline(self, *_args: Any) -> Any:
            raise UnsupportedOperationException("offline data source: no node behind it")

        getBoxById = jpype.JOverride(_offline)
        getBoxByIdWithMemPool = jpype.JOverride(_offline)  # only in this appkit
        sendTransaction = jpype.JOverride(_offline)
        getUnspentBoxesFor = jpype.JOverride(_offline)
        getUnconfirmedUnspentBoxesFor = jpype.JOverride(_offline)
        getUnconfirmedTransactions = jpype.JOverride(_offline)

    ctx = Builder(OfflineDataSource(), NetworkType.TESTNET).build()
    print(
        f"  offline BlockchainContext (4.0.10): getHeight() {ctx.getHeight()}, default "
        f"pre-header height {ctx.createPreHeader().build().getHeight()}"
    )
    return ctx


def _sign4(ctx: Any, record: dict[str, Any]) -> str:
    """Rebuild the unsigned tx with appkit 4.0.10's builder (its API: boxesToSpend,
    withDataInputs, outputs) and sign it with a prover holding no secret (no key signs)."""
    import jpype

    from protocol.ergo.tx_plan import FEE_TREE_HEX

    ArrayList = jpype.JClass("java.util.ArrayList")
    Address = jpype.JClass("org.ergoplatform.appkit.Address")
    ErgoToken = jpype.JClass("org.ergoplatform.appkit.ErgoToken")
    ErgoValue = jpype.JClass("org.ergoplatform.appkit.ErgoValue")
    OutBox = jpype.JClass("org.ergoplatform.appkit.OutBox")
    ErgoTreeContract = jpype.JClass("org.ergoplatform.appkit.impl.ErgoTreeContract")
    InputBoxImpl = jpype.JClass("org.ergoplatform.appkit.impl.InputBoxImpl")
    Output = jpype.JClass("org.ergoplatform.restapi.client.ErgoTransactionOutput")
    Serializer = jpype.JClass("sigmastate.serialization.ErgoTreeSerializer")
    gson = jpype.JClass("org.ergoplatform.restapi.client.JSON")().getGson()
    network = ctx.getNetworkType()

    def tree(hex_: str) -> Any:
        return Serializer.DefaultSerializer().deserializeErgoTree(
            jpype.JArray(jpype.JByte)(bytes.fromhex(hex_))
        )

    def boxes(items: list[dict[str, Any]]) -> Any:
        result = ArrayList()
        for item in items:
            result.add(InputBoxImpl(gson.fromJson(json.dumps(item), Output)))
        return result

    try:
        builder = ctx.newTxBuilder()
        outputs, fee = [], 0
        for out in record["unsigned"]["outputs"]:
            if out["ergoTree"] == FEE_TREE_HEX:
                fee += out["value"]  # appkit adds the fee box itself
                continue
            box = (
                builder.outBoxBuilder()
                .value(out["value"])
                .contract(ErgoTreeContract(tree(out["ergoTree"]), network))
                .creationHeight(out["creationHeight"])
            )
            if out["assets"]:
                box = box.tokens(
                    jpype.JArray(ErgoToken)(
                        [ErgoToken(a["tokenId"], a["amount"]) for a in out["assets"]]
                    )
                )
            registers = [
                ErgoValue.fromHex(out["additionalRegisters"][r])
                for r in sorted(out["additionalRegisters"])
            ]
            if registers:
                box = box.registers(jpype.JArray(ErgoValue)(registers))
            outputs.append(box.build())
        builder = builder.boxesToSpend(boxes(record["boxes_to_spend"]))
        if record["data_boxes"]:
            builder = builder.withDataInputs(boxes(record["data_boxes"]))
        change = Address.fromErgoTree(tree(record["boxes_to_spend"][0]["ergoTree"]), network)
        unsigned = (
            builder.outputs(jpype.JArray(OutBox)(outputs))
            .fee(fee)
            .sendChangeTo(change.getErgoAddress())
            .build()
        )
        signed = ctx.newProverBuilder().build().sign(unsigned)
    except jpype.JException as exc:
        result = f"REJECTED {_java_error(exc)}"
        print(f"  sign (4.0.10): {result}")
        return result
    record["appkit 4.0.10 tx"] = json.loads(str(signed.toJson(False)))
    print(f"  sign (4.0.10): signed, tx {signed.getId()}")
    return "signed"


def _ergpy_needs_a_node(wheel_dir: Path) -> None:
    """Construct ergpy's ErgoAppKit against a local port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # closed now: nothing listens there
    sys.path.insert(0, str(wheel_dir))
    from ergpy import appkit  # its own startJVM fails quietly: ours is running

    url = f"http://127.0.0.1:{port}"
    print(f"\n[ergpy.appkit.ErgoAppKit({url!r})]")
    try:
        appkit.ErgoAppKit(url)
    except Exception as exc:  # whatever ergpy lets through is the evidence
        chain: list[str] = []
        seen: BaseException | None = exc
        while seen is not None and len(chain) < 8:
            chain.append(f"{type(seen).__module__}.{type(seen).__name__}: {seen}")
            seen = seen.__context__
        print("  raised " + "\n    while handling ".join(chain))
    else:
        print("  constructed without a node (unexpected)")


# -- phase 1 and the summary -----------------------------------------------------------------


def _download(workdir: Path) -> tuple[Path, Path]:
    pip = [sys.executable, "-m", "pip", "download", "--no-deps", ERGPY, "-d", str(workdir)]
    print("$ " + " ".join(pip[2:]))
    subprocess.run(pip, check=True, capture_output=True)
    (wheel,) = workdir.glob("ergpy-*.whl")
    wheel_dir = workdir / "wheel"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(wheel_dir)
        manifest = zipfile.ZipFile(wheel_dir / "ergpy" / "ergo.jar").read("META-INF/MANIFEST.MF")
    print(f"{wheel.name}: {wheel.stat().st_size} bytes")
    for line in manifest.decode().splitlines():
        if line.startswith(("Implementation-Title", "Implementation-Version")):
            print(f"  ergpy/ergo.jar {line}")
    return wheel_dir / "ergpy" / "ergo.jar", wheel_dir


def _phase(*args: str) -> None:
    subprocess.run([sys.executable, __file__, *args], check=True, cwd=ROOT)


def _summary(results: Path) -> None:
    sys.path.insert(0, str(TESTS_ERGO))
    from ergo_wasm_validator import validate_cases

    print("\n== summary ==")
    for record in json.loads(results.read_text(encoding="utf-8")):
        data_inputs = len(record["data_boxes"])
        print(f"[{record['name']}] HEIGHT {record['height']}, {data_inputs} data input(s)")
        for label in (
            "sigma-rust",
            "appkit 5",
            "compile 4.0.10",
            "appkit 4.0.10",
            "appkit 4.0.10 (own tree)",
        ):
            if label in record:
                print(f"  {label}: {record[label]}")
        if "appkit 4.0.10 tx" in record:
            case = {
                key: record[key]
                for key in ("boxes_to_spend", "data_boxes", "headers", "pre_header")
            }
            (verdict,) = validate_cases([{**case, "tx": record["appkit 4.0.10 tx"]}])
            outcome = "valid" if verdict.valid else f"INVALID {verdict.error}"
            print(f"  wasm validate_tx on appkit 4.0.10's tx: {outcome}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("phase", nargs="?", default="all", choices=["all", "appkit5", "appkit4"])
    parser.add_argument("paths", nargs="*", help="internal: files passed between phases")
    parser.add_argument("--workdir", type=Path, help="where the wheel goes (default: a temp dir)")
    args = parser.parse_args()
    if args.phase == "appkit5":
        _phase_appkit5(Path(args.paths[0]))
        return
    if args.phase == "appkit4":
        jar, wheel_dir, cases, out = (Path(p) for p in args.paths)
        _phase_appkit4(jar, wheel_dir, cases, out)
        return
    with tempfile.TemporaryDirectory(prefix="ergpy-evidence-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        jar, wheel_dir = _download(workdir)
        cases, results = workdir / "cases.json", workdir / "results.json"
        print("\n-- appkit 5 process --")
        _phase("appkit5", str(cases))
        print("\n-- ergpy appkit 4.0.10 process --")
        _phase("appkit4", str(jar), str(wheel_dir), str(cases), str(results))
        _summary(results)


if __name__ == "__main__":
    main()
