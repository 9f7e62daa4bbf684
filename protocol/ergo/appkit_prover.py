# Java interface methods keep their Java names; JPype's decorators are untyped.
# ruff: noqa: N802, N806, N815
# mypy: disable-error-code="untyped-decorator"
"""Sign a TxPlan with ergo-appkit 5's prover instead of sigma-rust (benchmarks, cross-checks).

appkit wants a BlockchainContext; here it is built on an offline data source that serves
the ChainTip's headers and default parameters, so no node is involved.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import jpype
from ergo_lib_python.transaction import Transaction
from ergo_lib_python.wallet import SecretKey

from protocol.ergo.chain_tip import ChainTip
from protocol.ergo.errors import SpendRejectedError
from protocol.ergo.jvm import ensure_jvm
from protocol.ergo.register_codec import registers_of
from protocol.ergo.tx_plan import FEE_TREE_HEX, TxPlan

__all__ = ["AppkitProver"]

# sigma-rust's Parameters.default(), so both provers judge costs alike.
_PARAMETERS = {
    "storageFeeFactor": 1_250_000,
    "minValuePerByte": 360,
    "maxBlockSize": 524_288,
    "tokenAccessCost": 100,
    "inputCost": 2_000,
    "dataInputCost": 100,
    "outputCost": 100,
    "maxBlockCost": 1_000_000,
    "blockVersion": 3,
}


class AppkitProver:
    """Signs plans against one ChainTip; the JVM starts on first use."""

    def __init__(self, tip: ChainTip) -> None:
        ensure_jvm()
        NetworkType = jpype.JClass("org.ergoplatform.appkit.NetworkType")
        BlockchainContextBuilderImpl = jpype.JClass(
            "org.ergoplatform.appkit.impl.BlockchainContextBuilderImpl"
        )

        self._ctx: Any = BlockchainContextBuilderImpl(
            _offline_data_source(tip), NetworkType.TESTNET
        ).build()
        # appkit's default pre-header repeats the last header's height, so scripts would see
        # HEIGHT one lower than sigma-rust (and a node) do: pin it to the next block's height.
        Integer = jpype.JClass("java.lang.Integer")
        self._pre_header: Any = self._ctx.createPreHeader().height(Integer(tip.next_height)).build()

    def sign(self, plan: TxPlan, secrets: Sequence[SecretKey] = ()) -> Transaction:
        """Rebuild ``plan`` with appkit's builder, prove it, return it as a sigma-rust tx."""
        BigInteger = jpype.JClass("java.math.BigInteger")

        builder = self._ctx.newProverBuilder()
        for secret in secrets:
            builder = builder.withDLogSecret(BigInteger(bytes(secret).hex(), 16))
        prover = builder.build()
        unsigned = self._unsigned(plan)
        try:
            signed = prover.sign(unsigned)
        except jpype.JException as exc:
            raise SpendRejectedError(
                f"appkit's prover rejected the spend: {str(exc.getMessage())[:300]}"
            ) from exc
        return Transaction.from_json(str(signed.toJson(False)))

    def _unsigned(self, plan: TxPlan) -> Any:
        Address = jpype.JClass("org.ergoplatform.appkit.Address")
        ErgoToken = jpype.JClass("org.ergoplatform.appkit.ErgoToken")
        ErgoValue = jpype.JClass("org.ergoplatform.appkit.ErgoValue")
        InputBox = jpype.JClass("org.ergoplatform.appkit.InputBox")
        OutBox = jpype.JClass("org.ergoplatform.appkit.OutBox")
        ErgoTreeContract = jpype.JClass("org.ergoplatform.appkit.impl.ErgoTreeContract")
        InputBoxImpl = jpype.JClass("org.ergoplatform.appkit.impl.InputBoxImpl")
        JSON = jpype.JClass("org.ergoplatform.restapi.client.JSON")
        ErgoTransactionOutput = jpype.JClass(
            "org.ergoplatform.restapi.client.ErgoTransactionOutput"
        )
        ErgoTreeSerializer = jpype.JClass("sigmastate.serialization.ErgoTreeSerializer")

        gson = JSON().getGson()
        network = self._ctx.getNetworkType()

        def input_box(box: Any) -> Any:
            return InputBoxImpl(gson.fromJson(box.json(), ErgoTransactionOutput))

        builder = self._ctx.newTxBuilder().preHeader(self._pre_header)
        outputs = []
        fee = 0
        for candidate in plan.unsigned.output_candidates:
            tree_bytes = bytes(candidate.ergo_tree)
            if tree_bytes.hex() == FEE_TREE_HEX:
                fee += candidate.value  # appkit adds the fee box itself
                continue
            tree = ErgoTreeSerializer.DefaultSerializer().deserializeErgoTree(
                jpype.JArray(jpype.JByte)(tree_bytes)
            )
            out = (
                builder.outBoxBuilder()
                .value(candidate.value)
                .contract(ErgoTreeContract(tree, network))
                .creationHeight(candidate.creation_height)
            )
            tokens = [ErgoToken(bytes(t.token_id).hex(), t.amount) for t in candidate.tokens]
            if tokens:
                out = out.tokens(jpype.JArray(ErgoToken)(tokens))
            values = _register_values(candidate, ErgoValue)
            if values:
                out = out.registers(jpype.JArray(ErgoValue)(values))
            outputs.append(out.build())
        change = Address.fromErgoTree(
            ErgoTreeSerializer.DefaultSerializer().deserializeErgoTree(
                jpype.JArray(jpype.JByte)(bytes(plan.boxes_to_spend[0].ergo_tree))
            ),
            network,
        )
        builder = builder.addInputs(
            jpype.JArray(InputBox)([input_box(b) for b in plan.boxes_to_spend])
        )
        if plan.data_boxes:
            builder = builder.addDataInputs(
                jpype.JArray(InputBox)([input_box(b) for b in plan.data_boxes])
            )
        return (
            builder.addOutputs(jpype.JArray(OutBox)(outputs)).fee(fee).sendChangeTo(change).build()
        )


def _register_values(candidate: Any, ergo_value: Any) -> list[Any]:
    registers = registers_of(candidate.additional_registers)
    return [ergo_value.fromHex(bytes(c).hex()) for c in registers.values()]


def _offline_data_source(tip: ChainTip) -> Any:
    UnsupportedOperationException = jpype.JClass("java.lang.UnsupportedOperationException")
    ArrayList = jpype.JClass("java.util.ArrayList")
    NetworkType = jpype.JClass("org.ergoplatform.appkit.NetworkType")
    BlockHeaderImpl = jpype.JClass("org.ergoplatform.appkit.impl.BlockHeaderImpl")
    JSON = jpype.JClass("org.ergoplatform.restapi.client.JSON")
    BlockHeader = jpype.JClass("org.ergoplatform.restapi.client.BlockHeader")

    gson = JSON().getGson()

    @jpype.JImplements("org.ergoplatform.appkit.BlockchainParameters")
    class Parameters:
        @jpype.JOverride
        def getNetworkType(self) -> Any:
            return NetworkType.TESTNET

        @jpype.JOverride
        def getStorageFeeFactor(self) -> int:
            return _PARAMETERS["storageFeeFactor"]

        @jpype.JOverride
        def getMinValuePerByte(self) -> int:
            return _PARAMETERS["minValuePerByte"]

        @jpype.JOverride
        def getMaxBlockSize(self) -> int:
            return _PARAMETERS["maxBlockSize"]

        @jpype.JOverride
        def getTokenAccessCost(self) -> int:
            return _PARAMETERS["tokenAccessCost"]

        @jpype.JOverride
        def getInputCost(self) -> int:
            return _PARAMETERS["inputCost"]

        @jpype.JOverride
        def getDataInputCost(self) -> int:
            return _PARAMETERS["dataInputCost"]

        @jpype.JOverride
        def getOutputCost(self) -> int:
            return _PARAMETERS["outputCost"]

        @jpype.JOverride
        def getMaxBlockCost(self) -> int:
            return _PARAMETERS["maxBlockCost"]

        @jpype.JOverride
        def getBlockVersion(self) -> Any:
            return jpype.JByte(_PARAMETERS["blockVersion"])

    @jpype.JImplements("org.ergoplatform.appkit.BlockchainDataSource")
    class OfflineDataSource:
        @jpype.JOverride
        def getParameters(self) -> Any:
            return Parameters()

        @jpype.JOverride
        def getLastBlockHeaders(self, count: int, _only_full: bool) -> Any:
            headers = ArrayList()
            for header in tip.headers[: int(count)]:
                rest = gson.fromJson(json.dumps(header), BlockHeader)
                headers.add(BlockHeaderImpl.createFromRestApi(rest))
            return headers

        def _offline(self, *_args: Any) -> Any:
            raise UnsupportedOperationException("offline data source: no node behind it")

        getBoxById = jpype.JOverride(_offline)
        sendTransaction = jpype.JOverride(_offline)
        getUnspentBoxesFor = jpype.JOverride(_offline)
        getUnconfirmedUnspentBoxesFor = jpype.JOverride(_offline)
        getUnconfirmedTransactions = jpype.JOverride(_offline)

    return OfflineDataSource()
