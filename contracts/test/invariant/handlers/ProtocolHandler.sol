// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ProtocolModel} from "./ProtocolModel.sol";
import {StakeModel} from "./StakeModel.sol";
import {Signatures} from "../../utils/Signatures.sol";
import {IJobEscrow} from "../../../src/interfaces/IJobEscrow.sol";
import {ICreditSale} from "../../../src/interfaces/ICreditSale.sol";
import {IProviderStaking} from "../../../src/interfaces/IProviderStaking.sol";
import {IOracleCommittee} from "../../../src/interfaces/IOracleCommittee.sol";
import {Assert} from "../../utils/Assert.sol";

/// @notice Drives random sequences over the whole protocol: consumers buy, redeem, open (with
/// approvals or permits), cancel and claim; providers stake, unbond, accept, deliver; the
/// committee (k of n, changing) settles singly and in batches; anyone pays settled jobs out
/// (batches with paid, unsettled, unknown and repeated entries), refunds, finalizes and
/// slashes non-delivery; time moves. Each call is predicted by the model first and must
/// succeed exactly when the model says so; successful calls update the ghost state.
contract ProtocolHandler is ProtocolModel {
    using StakeModel for StakeModel.Account;

    uint8 internal constant RELEASE = 1;
    uint8 internal constant FAULT = 2;
    uint256 internal constant FORGED_MODES = 14;
    /// @dev payOut list markers in place of a job index.
    uint256 internal constant NEVER_OPENED = type(uint256).max;
    uint256 internal constant LEFT_OUT = type(uint256).max - 1;

    /// @notice A verdict members signed and kept, to be submitted after later committee changes.
    struct PendingVerdict {
        uint256 jobIndex;
        IJobEscrow.Verdict verdict;
        uint256[] keys; // the signers, ascending by address
    }

    uint256 internal constant MAX_PENDING = 6;
    PendingVerdict[] internal _pendingVerdicts;

    constructor(Deployment memory d) ProtocolModel(d) {}

    modifier observed() {
        _;
        _observe();
    }

    // ================================================================== credits

    function buyCredits(uint256 actorSeed, uint256 reserveIn) external observed {
        address who = _anyActor(actorSeed);
        _buy(who, bound(reserveIn, 0, 2 ether));
    }

    function redeemCredits(uint256 actorSeed, uint256 amount) external observed {
        address who = _anyActor(actorSeed);
        uint256 balance = gpuc.balanceOf(who);
        _redeem(who, bound(amount, 0, balance + 1));
    }

    function transferCredits(uint256 fromSeed, uint256 toSeed, uint256 amount) external observed {
        address from = _anyActor(fromSeed);
        address to = toSeed % 3 == 0
            ? address(uint160(uint256(keccak256(abi.encode("inv.holder", toSeed % 8)))))
            : _anyActor(toSeed >> 8);
        uint256 balance = gpuc.balanceOf(from);
        amount = bound(amount, 0, balance + 1);
        _addHolder(to);
        vm.prank(from);
        (bool ok, bytes memory ret) = address(gpuc).call(abi.encodeCall(gpuc.transfer, (to, amount)));
        _expect("transfer", ok, amount <= balance, ret);
    }

    function withdrawSpread() external observed {
        uint256 accrued = _credit.spreadIn - _credit.spreadOut;
        uint256 before = treasury.balance;
        (bool ok, bytes memory ret) = address(sale).call(abi.encodeCall(ICreditSale.withdrawSpread, ()));
        _expect("withdrawSpread", ok, accrued > 0, ret);
        if (!ok) return;
        _credit.spreadOut += accrued;
        Assert.eq(treasury.balance - before, accrued, "withdrawSpread: treasury paid the accrued spread");
    }

    function setSpread(uint256 bps) external observed {
        bps = bound(bps, 0, sale.MAX_SPREAD_BPS() + 1);
        vm.prank(admin);
        (bool ok, bytes memory ret) = address(sale).call(abi.encodeCall(ICreditSale.setSpread, (bps)));
        _expect("setSpread", ok, bps <= sale.MAX_SPREAD_BPS(), ret);
    }

    // ================================================================== staking

    function stake(uint256 actorSeed, uint256 amount) external observed {
        _stake(_staker(actorSeed), bound(amount, 0, 500e18));
    }

    function requestUnbond(uint256 actorSeed, uint256 amount) external observed {
        address who = _staker(actorSeed);
        StakeModel.Account storage s = _stakes[who];
        _requestUnbond(staking, who, s, bound(amount, 0, s.free + 1));
    }

    function withdrawStake(uint256 actorSeed) external observed {
        address who = _staker(actorSeed);
        _withdraw(staking, gpuc, who, _stakes[who]);
    }

    /// @dev Mostly a provider, sometimes anyone (anyone may stake).
    function _staker(uint256 seed) internal view returns (address) {
        return seed % 4 == 0 ? _anyActor(seed / 4) : _providers[(seed / 4) % _providers.length];
    }

    // ================================================================== jobs

    /// @param money seeds budget and price; times seeds both deadlines; mode picks small
    /// budgets (rounding), permits and a front-run permit.
    function openJob(uint256 who, uint256 money, uint256 times, uint256 mode) external observed {
        if (_jobs.length >= MAX_JOBS) return;
        IJobEscrow.JobTerms memory t = _newTerms(who, money, times, mode);
        _ensureCredits(t.consumer, t.budget);
        bytes32 id = escrow.jobIdOf(t);
        bool ok;
        bytes memory ret;
        if (mode % 5 == 4) return _openAccepted(t, id, mode);
        if (mode % 3 == 0) {
            (ok, ret) = _openWithPermit(t, mode % 2 == 0);
        } else {
            vm.startPrank(t.consumer);
            gpuc.approve(address(escrow), t.budget);
            (ok, ret) = address(escrow).call(abi.encodeCall(IJobEscrow.open, (t)));
            vm.stopPrank();
        }
        _expect("open", ok, true, ret);
        if (ok) _modelOpen(t, id);
    }

    /// @dev Open and accept in one transaction with the provider's EIP-712 acceptance; mostly
    /// the provider has the collateral staked, sometimes not (must fail, nothing moves).
    function _openAccepted(IJobEscrow.JobTerms memory t, bytes32 id, uint256 mode) internal {
        uint256 collateral = _collateral(t.budget);
        StakeModel.Account storage s = _stakes[t.provider];
        if ((mode >> 8) % 8 != 0 && s.free < collateral) _stake(t.provider, collateral - s.free);
        bytes memory acceptance = Signatures.sign(_keyOf[t.provider], escrow.acceptanceDigest(id));
        vm.startPrank(t.consumer);
        gpuc.approve(address(escrow), t.budget);
        (bool ok, bytes memory ret) = address(escrow).call(abi.encodeCall(IJobEscrow.openAccepted, (t, acceptance)));
        vm.stopPrank();
        _expect("openAccepted", ok, s.free >= collateral, ret);
        if (!ok) return;
        _modelOpen(t, id);
        _modelAccept(_jobs[_jobs.length - 1]);
    }

    function cancel(uint256 jobSeed, uint256 callerSeed) external observed {
        if (_jobs.length == 0) return;
        GhostJob storage j = _pick(jobSeed, _isOpen);
        address caller = _mostly(callerSeed, j.terms.consumer);
        IJobEscrow.JobTerms memory t = j.terms;
        vm.prank(caller);
        (bool ok, bytes memory ret) = address(escrow).call(abi.encodeCall(IJobEscrow.cancel, (t)));
        _expect("cancel", ok, caller == t.consumer && j.status == IJobEscrow.Status.Open, ret);
        if (ok) _modelRefund(j, false);
    }

    function refund(uint256 jobSeed, uint256 callerSeed) external observed {
        if (_jobs.length == 0) return;
        GhostJob storage j = _pick(jobSeed, _isRefundable);
        _refund(j, _anyActor(callerSeed));
    }

    function accept(uint256 jobSeed, uint256 callerSeed, bool topUp) external observed {
        if (_jobs.length == 0) return;
        GhostJob storage j = _pick(jobSeed, _isAcceptable);
        address caller = _mostly(callerSeed, j.terms.provider);
        uint256 collateral = _collateral(j.terms.budget);
        // Usually the provider stakes what it lacks first; sometimes it tries without.
        if ((topUp || callerSeed % 8 != 0) && _stakes[caller].free < collateral) {
            _stake(caller, collateral - _stakes[caller].free);
        }
        _accept(j, caller);
    }

    function submitReceipt(uint256 jobSeed, uint256 callerSeed, uint256 units) external observed {
        if (_jobs.length == 0) return;
        GhostJob storage j = _pick(jobSeed, _isDeliverable);
        _submitReceipt(j, _mostly(callerSeed, j.terms.provider), bound(units, 0, _maxUnits(j) + 1));
    }

    function dispute(uint256 jobSeed, uint256 callerSeed) external observed {
        if (_jobs.length == 0) return;
        GhostJob storage j = _pick(jobSeed, _isDisputable);
        address caller = callerSeed % 3 == 0
            ? _oracles[(callerSeed / 3) % _oracles.length]
            : _mostly(callerSeed / 3, j.terms.consumer);
        _dispute(j, caller);
    }

    function settle(uint256 jobSeed, uint256 outcomeSeed, uint256 signerSeed) external observed {
        if (_jobs.length == 0) return;
        GhostJob storage j = _pick(jobSeed, _isSettleable);
        _settle(j, outcomeSeed % 3 == 0 ? FAULT : RELEASE, bound(outcomeSeed >> 8, 0, _maxUnits(j) + 1), signerSeed);
    }

    /// @notice Take one live job one natural step further (accept, deliver, dispute or wait
    /// out the window, settle, time out), so random sequences reach deep states often.
    function progress(uint256 jobSeed, uint256 seed) external observed {
        if (_jobs.length == 0) return;
        GhostJob storage j = _pick(jobSeed, _isLive);
        IJobEscrow.Status st = j.status;
        uint256 w = _disputeWindow;
        if (st == IJobEscrow.Status.Open) {
            if (block.timestamp > j.terms.acceptDeadline) return _refund(j, _anyActor(seed));
            uint256 collateral = _collateral(j.terms.budget);
            StakeModel.Account storage s = _stakes[j.terms.provider];
            if (s.free < collateral) _stake(j.terms.provider, collateral - s.free);
            _accept(j, j.terms.provider);
        } else if (st == IJobEscrow.Status.Accepted) {
            if (block.timestamp <= j.terms.deadline && seed % 5 != 0) {
                return _submitReceipt(j, j.terms.provider, bound(seed >> 8, 1, _maxUnits(j)));
            }
            _warpTo(uint256(j.terms.deadline) + w + 1);
            _slashNonDelivery(j, _anyActor(seed));
        } else if (st == IJobEscrow.Status.Delivered) {
            if (seed % 2 == 0 && block.timestamp < uint256(j.deliveredAt) + w) return _dispute(j, j.terms.consumer);
            _warpTo(uint256(j.deliveredAt) + w);
            _finalize(j, _anyActor(seed));
        } else if (st == IJobEscrow.Status.Disputed) {
            if (seed % 4 != 0) {
                return _settle(j, seed % 3 == 0 ? FAULT : RELEASE, bound(seed >> 8, 0, _maxUnits(j)), seed);
            }
            // the committee stays silent: after the verdict window the receipt stands
            _warpTo(uint256(j.disputedAt) + _verdictWindow + 1);
            _finalize(j, _anyActor(seed));
        }
    }

    function _warpTo(uint256 t) internal {
        if (t > block.timestamp) vm.warp(t);
    }

    /// @dev Only the consumer disputes, with a bond (which it holds and approves first); a
    /// committee member alone, the provider or a stranger must fail.
    function _dispute(GhostJob storage j, address caller) internal {
        IJobEscrow.JobTerms memory t = j.terms;
        bool expectOk = caller == t.consumer && j.status == IJobEscrow.Status.Delivered
            && block.timestamp < uint256(j.deliveredAt) + _disputeWindow;
        uint256 bond = _bond(t.budget);
        _ensureCredits(caller, bond);
        vm.startPrank(caller);
        gpuc.approve(address(escrow), bond);
        (bool ok, bytes memory ret) = address(escrow).call(abi.encodeCall(IJobEscrow.dispute, (t)));
        vm.stopPrank();
        _expect("dispute", ok, expectOk, ret);
        if (ok) _modelDispute(j);
    }

    function _settle(GhostJob storage j, uint8 outcome, uint256 units, uint256 signerSeed) internal {
        IJobEscrow.Verdict memory v = IJobEscrow.Verdict({
            jobId: j.id,
            outcome: outcome,
            units: uint64(units),
            resultHash: keccak256(abi.encode("result", j.id, units)),
            epoch: ghostEpoch
        });
        bytes memory sigs = _committeeSigs(escrow.verdictDigest(v), signerSeed);
        bool expectOk = _settleable(j.status) && (outcome == FAULT || units <= _maxUnits(j));
        IJobEscrow.JobTerms memory t = j.terms;
        // one time in three the single-job path in one step: settle and pay out
        bool payNow = (signerSeed >> 128) % 3 == 1;
        (bool ok, bytes memory ret) = payNow
            ? address(escrow).call(abi.encodeCall(IJobEscrow.settleAndPayOut, (t, v, sigs)))
            : address(escrow).call(abi.encodeCall(IJobEscrow.settle, (t, v, sigs)));
        _expect(payNow ? bytes32("settleAndPayOut") : bytes32("settle"), ok, expectOk, ret);
        if (!ok) return;
        ++_safety.validSettlements;
        _modelVerdict(j, outcome, units);
        if (payNow && outcome == RELEASE) _modelPayOut(j);
    }

    function settleBatch(uint256 seed, uint256 count, uint256 signerSeed) external observed {
        if (_jobs.length == 0) return;
        uint256 n = bound(count, 1, 6);
        IJobEscrow.Settlement[] memory batch = new IJobEscrow.Settlement[](n);
        IJobEscrow.VerdictItem[] memory items = new IJobEscrow.VerdictItem[](n);
        uint256[] memory idx = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) {
            uint256 s = uint256(keccak256(abi.encode(seed, i)));
            idx[i] = _pickIndex(s, _isSettleable);
            GhostJob storage j = _jobs[idx[i]];
            items[i] = IJobEscrow.VerdictItem({
                jobId: j.id,
                outcome: s % 3 == 0 ? FAULT : RELEASE,
                units: uint64(bound(s >> 8, 0, _maxUnits(j))),
                resultHash: keccak256(abi.encode("batch result", j.id))
            });
            batch[i] = IJobEscrow.Settlement({terms: j.terms, verdict: items[i]});
        }
        bytes memory sigs = _committeeSigs(escrow.verdictBatchDigest(items, ghostEpoch), signerSeed);
        (bool ok, bytes memory ret) =
            address(escrow).call(abi.encodeCall(IJobEscrow.settleBatch, (batch, ghostEpoch, sigs)));
        _expect("settleBatch", ok, true, ret);
        if (!ok) return;
        // Entries apply in order; a job already settled (also earlier in this batch) is skipped.
        for (uint256 i = 0; i < n; ++i) {
            GhostJob storage j = _jobs[idx[i]];
            if (!_settleable(j.status)) {
                ++_safety.batchSkipped;
                continue;
            }
            ++_safety.batchApplied;
            _modelVerdict(j, items[i].outcome, items[i].units);
        }
    }

    /// @notice Anyone pays out a random list of jobs. Three times in four a clean list: settled
    /// jobs, paid or not, some listed twice (must succeed, paying each unpaid job once). Else a
    /// dirty one that may also hold live, slashed or refunded jobs and never-opened terms (must
    /// revert with the first bad entry's error, paying nothing).
    function payOut(uint256 seed, uint256 count, uint256 callerSeed) external observed {
        if (_jobs.length == 0) return;
        bool dirty = seed % 4 == 0;
        uint256 n = bound(count, 0, 8);
        IJobEscrow.JobTerms[] memory list = new IJobEscrow.JobTerms[](n);
        uint256[] memory idx = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) {
            uint256 s = uint256(keccak256(abi.encode(seed, i)));
            if (i > 0 && s % 5 == 0) {
                idx[i] = idx[s % i]; // a repeat of an earlier entry
            } else if (dirty && s % 7 == 0) {
                idx[i] = NEVER_OPENED;
            } else if (dirty && s % 3 == 0) {
                idx[i] = (s >> 8) % _jobs.length; // any job
            } else {
                idx[i] = _pickIndex(s >> 8, s % 2 == 0 ? _isUnpaid : _isSettled);
                // a clean list holds settled jobs only: leave the entry out if none was found
                if (!dirty && _jobs[idx[i]].status != IJobEscrow.Status.Settled) idx[i] = LEFT_OUT;
            }
            if (idx[i] == NEVER_OPENED) list[i] = _neverOpened(s);
            else if (idx[i] != LEFT_OUT) list[i] = _jobs[idx[i]].terms;
        }
        if (!dirty) (list, idx) = _dropMissing(list, idx);
        bytes memory err = _payOutError(list, idx);
        vm.prank(_anyActor(callerSeed));
        (bool ok, bytes memory ret) = address(escrow).call(abi.encodeCall(IJobEscrow.payOut, (list)));
        _expect("payOut", ok, err.length == 0, ret);
        if (!ok) {
            Assert.eq(ret, err, "payOut: reverted with the first bad entry's error");
            if (bytes4(err) == IJobEscrow.UnknownJob.selector) ++_safety.payOutUnknown;
            else ++_safety.payOutNotSettled;
            return;
        }
        Assert.eq(abi.decode(ret, (uint256)), _modelPayOutList(idx), "payOut: returned how many it paid");
    }

    /// @dev The error payOut must raise for `list` (empty: it must succeed): the first entry
    /// that was never opened (UnknownJob) or is not Settled (NotSettled) decides.
    function _payOutError(IJobEscrow.JobTerms[] memory list, uint256[] memory idx)
        internal
        view
        returns (bytes memory)
    {
        for (uint256 i = 0; i < list.length; ++i) {
            if (idx[i] == NEVER_OPENED) {
                return abi.encodeWithSelector(IJobEscrow.UnknownJob.selector, escrow.jobIdOf(list[i]));
            }
            GhostJob storage j = _jobs[idx[i]];
            if (j.status != IJobEscrow.Status.Settled) {
                return abi.encodeWithSelector(IJobEscrow.NotSettled.selector, j.id, j.status);
            }
        }
        return "";
    }

    /// @dev Apply a successful payOut in list order: each unpaid job is paid once, a job
    /// already paid (before or earlier in this list) is skipped. Returns how many were paid.
    function _modelPayOutList(uint256[] memory idx) internal returns (uint256 paid) {
        for (uint256 i = 0; i < idx.length; ++i) {
            GhostJob storage j = _jobs[idx[i]];
            if (j.paidOut) {
                ++_safety.payOutSkipped;
                continue;
            }
            _modelPayOut(j);
            ++_safety.payOutPaid;
            ++paid;
        }
    }

    /// @dev Terms no job was opened with: a known job's with a salt the handler never uses.
    function _neverOpened(uint256 seed) internal view returns (IJobEscrow.JobTerms memory t) {
        t = _jobs[seed % _jobs.length].terms;
        t.salt = type(uint256).max - (seed % 1_000);
    }

    /// @dev `list` and `idx` without the entries marked LEFT_OUT.
    function _dropMissing(IJobEscrow.JobTerms[] memory list, uint256[] memory idx)
        internal
        pure
        returns (IJobEscrow.JobTerms[] memory outList, uint256[] memory outIdx)
    {
        uint256 kept = 0;
        for (uint256 i = 0; i < idx.length; ++i) {
            if (idx[i] != LEFT_OUT) ++kept;
        }
        outList = new IJobEscrow.JobTerms[](kept);
        outIdx = new uint256[](kept);
        kept = 0;
        for (uint256 i = 0; i < idx.length; ++i) {
            if (idx[i] == LEFT_OUT) continue;
            outList[kept] = list[i];
            outIdx[kept++] = idx[i];
        }
    }

    function finalize(uint256 jobSeed, uint256 callerSeed) external observed {
        if (_jobs.length == 0) return;
        _finalize(_pick(jobSeed, _isFinalizable), _anyActor(callerSeed));
    }

    function slashNonDelivery(uint256 jobSeed, uint256 callerSeed) external observed {
        if (_jobs.length == 0) return;
        _slashNonDelivery(_pick(jobSeed, _isUndelivered), _anyActor(callerSeed));
    }

    function claim(uint256 actorSeed) external observed {
        address who = _anyActor(actorSeed);
        // three times in four someone who is owed something, else anyone (must fail if owed nothing)
        for (uint256 i = 0; i < _actors.length && actorSeed % 4 != 0 && ghostClaimable[who] == 0; ++i) {
            who = _anyActor(actorSeed % 64 + i);
        }
        _claim(who);
    }

    function collectFees() external observed {
        _collectFees();
    }

    function burnAccrued() external observed {
        _burnAccrued();
    }

    // ================================================================== committee

    function setThreshold(uint256 k) external observed {
        k = bound(k, 0, ghostMemberCount + 1);
        vm.prank(admin);
        (bool ok, bytes memory ret) = address(committee).call(abi.encodeCall(IOracleCommittee.setThreshold, (k)));
        _expect("setThreshold", ok, k >= 1 && k <= ghostMemberCount, ret);
        if (!ok || k == ghostThreshold) return; // the same k is a no-op: no new epoch
        ghostThreshold = k;
        ++ghostEpoch;
    }

    function toggleMember(uint256 oracleSeed) external observed {
        address o = _oracles[oracleSeed % _oracles.length];
        bool ok;
        bytes memory ret;
        vm.prank(admin);
        if (ghostMember[o]) {
            (ok, ret) = address(committee).call(abi.encodeCall(IOracleCommittee.removeMember, (o)));
            _expect("removeMember", ok, ghostThreshold <= ghostMemberCount - 1, ret);
            if (!ok) return;
            ghostMember[o] = false;
            --ghostMemberCount;
        } else {
            (ok, ret) = address(committee).call(abi.encodeCall(IOracleCommittee.addMember, (o)));
            _expect("addMember", ok, true, ret);
            if (!ok) return;
            ghostMember[o] = true;
            ++ghostMemberCount;
        }
        ++ghostEpoch;
    }

    // ================================================================== verdicts across committee changes

    /// @notice Between k and n current members sign a verdict under the current epoch and keep
    /// it; `submitPending` sends it later, after whatever committee changes came in between.
    function signPending(uint256 jobSeed, uint256 outcomeSeed, uint256 signerSeed) external observed {
        if (_jobs.length == 0 || _pendingVerdicts.length >= MAX_PENDING) return;
        uint256 idx = _pickIndex(jobSeed, _isSettleable);
        GhostJob storage j = _jobs[idx];
        PendingVerdict storage p = _pendingVerdicts.push();
        p.jobIndex = idx;
        p.verdict = IJobEscrow.Verdict({
            jobId: j.id,
            outcome: outcomeSeed % 3 == 0 ? FAULT : RELEASE,
            units: uint64(bound(outcomeSeed >> 8, 0, _maxUnits(j))),
            resultHash: keccak256(abi.encode("pending result", j.id, outcomeSeed)),
            epoch: ghostEpoch
        });
        uint256 count = bound(signerSeed >> 64, ghostThreshold, ghostMemberCount);
        uint256[] memory keys = Signatures.sortByAddress(_memberKeys(signerSeed, count));
        for (uint256 i = 0; i < keys.length; ++i) {
            p.keys.push(keys[i]);
        }
    }

    /// @notice A kept verdict settles exactly when its signers are all members now, they meet
    /// today's threshold and the job is still settleable -- whatever epoch it names.
    function submitPending(uint256 seed) external observed {
        uint256 n = _pendingVerdicts.length;
        if (n == 0) return;
        uint256 i = seed % n;
        PendingVerdict storage p = _pendingVerdicts[i];
        GhostJob storage j = _jobs[p.jobIndex];
        IJobEscrow.Verdict memory v = p.verdict;
        uint256[] memory keys = p.keys;
        bool signersRemain = keys.length >= ghostThreshold;
        for (uint256 k = 0; k < keys.length; ++k) {
            if (!ghostMember[vm.addr(keys[k])]) signersRemain = false;
        }
        bool expectOk = signersRemain && _settleable(j.status) && (v.outcome == FAULT || v.units <= _maxUnits(j));
        bool changed = v.epoch < ghostEpoch;
        bool wasSettleable = _settleable(j.status);
        // signed deterministically (RFC 6979): the same bytes the members produced at signing
        bytes memory sigs = Signatures.signAll(keys, escrow.verdictDigest(v));
        _dropPending(i);
        IJobEscrow.JobTerms memory t = j.terms;
        (bool ok, bytes memory ret) = address(escrow).call(abi.encodeCall(IJobEscrow.settle, (t, v, sigs)));
        _expect("settlePending", ok, expectOk, ret);
        if (!ok) {
            if (changed && wasSettleable) ++_safety.verdictsRefusedAfterChange;
            return;
        }
        if (changed) ++_safety.verdictsAcrossChanges;
        ++_safety.validSettlements;
        _modelVerdict(j, v.outcome, v.units);
    }

    function _dropPending(uint256 i) internal {
        uint256 last = _pendingVerdicts.length - 1;
        if (i != last) {
            PendingVerdict storage to = _pendingVerdicts[i];
            PendingVerdict storage from = _pendingVerdicts[last];
            to.jobIndex = from.jobIndex;
            to.verdict = from.verdict;
            delete to.keys;
            for (uint256 k = 0; k < from.keys.length; ++k) {
                to.keys.push(from.keys[k]);
            }
        }
        delete _pendingVerdicts[last].keys;
        _pendingVerdicts.pop();
    }

    // ================================================================== forged verdicts (invariant 7)

    /// @notice Try to settle a settleable job with signatures the committee must refuse: too
    /// few, a duplicate, an unknown or removed signer, another epoch, wrong order, high s,
    /// v in {0, 1}, signed for another job, chain or contract, a bad length, a single verdict
    /// replayed as a batch, a tampered batch or outcome. None may ever succeed.
    function settleForged(uint256 jobSeed, uint256 mode, uint256 seed) external observed {
        if (_jobs.length == 0) return;
        GhostJob storage j = _pick(jobSeed, _isSettleable);
        if (!_settleable(j.status)) return;
        mode = mode % FORGED_MODES;
        ++forgedAttemptsByMode[mode];
        ++_safety.forgedAttempts;
        (bool ok,) = _forgedCall(j, mode, seed);
        if (ok) ++_safety.forgedSuccesses;
    }

    function _forgedCall(GhostJob storage j, uint256 mode, uint256 seed) internal returns (bool, bytes memory) {
        IJobEscrow.Verdict memory v = IJobEscrow.Verdict({
            jobId: j.id,
            outcome: seed % 2 == 0 ? FAULT : RELEASE,
            units: uint64(bound(seed >> 8, 0, _maxUnits(j))),
            resultHash: keccak256(abi.encode("forged", j.id)),
            epoch: ghostEpoch
        });
        bytes32 digest = escrow.verdictDigest(v);
        bytes memory sigs;
        if (mode == 0) {
            sigs = Signatures.signSorted(_memberKeys(seed, ghostThreshold - 1), digest);
        } else if (mode == 1) {
            sigs = _withDuplicate(digest, seed);
        } else if (mode == 2) {
            sigs = _withUnknown(digest, seed);
        } else if (mode == 3) {
            // an epoch that has not begun (earlier epochs are valid while their signers remain)
            v.epoch = seed % 2 == 0 ? ghostEpoch + 1 : type(uint64).max;
            sigs = _committeeSigs(escrow.verdictDigest(v), seed);
        } else if (mode == 4) {
            sigs = _descending(digest, seed);
        } else if (mode == 5) {
            sigs = _committeeSigs(digest, seed);
            sigs = Signatures.replaceAt(sigs, 0, Signatures.highS(Signatures.sigAt(sigs, 0)));
        } else if (mode == 6) {
            sigs = _committeeSigs(digest, seed);
            sigs = Signatures.replaceAt(sigs, 0, Signatures.rawV(Signatures.sigAt(sigs, 0)));
        } else if (mode == 7) {
            IJobEscrow.Verdict memory other = _copy(v);
            other.jobId = keccak256(abi.encode("another job", j.id, seed));
            sigs = _committeeSigs(escrow.verdictDigest(other), seed);
        } else if (mode == 8) {
            sigs = _committeeSigs(Signatures.digestFor(block.chainid + 1, address(escrow), _verdictStruct(v)), seed);
        } else if (mode == 9) {
            address elsewhere = address(uint160(uint256(keccak256(abi.encode("another escrow", seed)))));
            sigs = _committeeSigs(Signatures.digestFor(block.chainid, elsewhere, _verdictStruct(v)), seed);
        } else if (mode == 10) {
            sigs = _committeeSigs(digest, seed);
            assembly ("memory-safe") {
                mstore(sigs, sub(mload(sigs), 1))
            }
        } else if (mode == 11) {
            return _batchCall(j, v, _committeeSigs(digest, seed));
        } else if (mode == 12) {
            IJobEscrow.VerdictItem[] memory items = new IJobEscrow.VerdictItem[](1);
            items[0] = IJobEscrow.VerdictItem(v.jobId, v.outcome, v.units + 1, v.resultHash);
            return _batchCall(j, v, _committeeSigs(escrow.verdictBatchDigest(items, ghostEpoch), seed));
        } else {
            IJobEscrow.Verdict memory flipped = _copy(v);
            flipped.outcome = v.outcome == RELEASE ? FAULT : RELEASE;
            sigs = _committeeSigs(escrow.verdictDigest(flipped), seed);
        }
        IJobEscrow.JobTerms memory t = j.terms;
        return address(escrow).call(abi.encodeCall(IJobEscrow.settle, (t, v, sigs)));
    }

    function _batchCall(GhostJob storage j, IJobEscrow.Verdict memory v, bytes memory sigs)
        internal
        returns (bool, bytes memory)
    {
        IJobEscrow.Settlement[] memory batch = new IJobEscrow.Settlement[](1);
        batch[0] = IJobEscrow.Settlement({
            terms: j.terms, verdict: IJobEscrow.VerdictItem(v.jobId, v.outcome, v.units, v.resultHash)
        });
        return address(escrow).call(abi.encodeCall(IJobEscrow.settleBatch, (batch, ghostEpoch, sigs)));
    }

    /// @dev A fresh copy (memory struct assignment only copies the reference).
    function _copy(IJobEscrow.Verdict memory v) internal pure returns (IJobEscrow.Verdict memory) {
        return IJobEscrow.Verdict(v.jobId, v.outcome, v.units, v.resultHash, v.epoch);
    }

    function _verdictStruct(IJobEscrow.Verdict memory v) internal view returns (bytes32) {
        return keccak256(abi.encode(escrow.VERDICT_TYPEHASH(), v.jobId, v.outcome, v.units, v.resultHash, v.epoch));
    }

    /// @dev k signatures but only k - 1 distinct signers (two from one key; with k = 1, the
    /// one member twice).
    function _withDuplicate(bytes32 digest, uint256 seed) internal view returns (bytes memory) {
        uint256 k = ghostThreshold;
        uint256[] memory keys = Signatures.sortByAddress(_memberKeys(seed, k));
        uint256 len = k < 2 ? 2 : k;
        uint256[] memory list = new uint256[](len);
        for (uint256 i = 0; i + 1 < len; ++i) {
            list[i] = keys[i < k ? i : k - 1];
        }
        list[len - 1] = list[len - 2];
        return Signatures.signAll(list, digest);
    }

    function _withUnknown(bytes32 digest, uint256 seed) internal view returns (bytes memory) {
        uint256[] memory members = _memberKeys(seed, ghostThreshold - 1);
        uint256[] memory keys = new uint256[](ghostThreshold);
        for (uint256 i = 0; i < members.length; ++i) {
            keys[i] = members[i];
        }
        keys[members.length] = _outsiderKey(seed);
        return Signatures.signSorted(keys, digest);
    }

    function _descending(bytes32 digest, uint256 seed) internal view returns (bytes memory) {
        if (ghostMemberCount < 2) return _withDuplicate(digest, seed);
        uint256 k = ghostThreshold < 2 ? 2 : ghostThreshold;
        return Signatures.reversed(Signatures.signAll(Signatures.sortByAddress(_memberKeys(seed, k)), digest));
    }

    /// @dev A key that is not a member now: a removed oracle or a stranger.
    function _outsiderKey(uint256 seed) internal view returns (uint256) {
        for (uint256 i = 0; i < _oracles.length; ++i) {
            address o = _oracles[(seed % 64 + i) % _oracles.length];
            if (!ghostMember[o] && seed % 2 == 0) return _keyOf[o];
        }
        return _keyOf[_strangers[seed % _strangers.length]];
    }

    // ================================================================== time

    function warp(uint256 secs) external observed {
        vm.warp(block.timestamp + (secs % 4 == 0 ? bound(secs >> 8, 1, 3 days) : bound(secs >> 8, 1, 2 hours)));
    }

    /// @notice Jump to one of a job's time boundaries or an unbonding's maturity (the
    /// off-by-one places).
    function warpToBoundary(uint256 seed, uint256 which) external observed {
        uint256 target;
        if (which % 3 == 0) {
            address a = _anyActor(seed);
            for (uint256 i = 0; i < _actors.length && _stakes[a].unbonding == 0; ++i) {
                a = _anyActor(seed % 64 + i);
            }
            target = _stakes[a].readyAt - ((which / 3) % 2 == 0 && _stakes[a].readyAt > 0 ? 1 : 0);
        } else if (_jobs.length > 0) {
            GhostJob storage j = _jobs[seed % _jobs.length];
            uint256 w = _disputeWindow;
            uint256 vw = _verdictWindow;
            uint256[8] memory edges = [
                uint256(j.terms.acceptDeadline),
                uint256(j.terms.acceptDeadline) + 1,
                uint256(j.terms.deadline),
                uint256(j.terms.deadline) + w + 1,
                uint256(j.deliveredAt) + w - 1,
                uint256(j.deliveredAt) + w,
                uint256(j.disputedAt) + vw,
                uint256(j.disputedAt) + vw + 1
            ];
            target = edges[(which / 3) % 8];
        }
        if (target > block.timestamp) vm.warp(target);
    }

    // ================================================================== liveness (invariant 5)

    /// @notice Whatever happened before: warp forward and take every open obligation out.
    /// Every job reaches a terminal status, every claim, fee, burn, unbonding and credit is
    /// paid out, and nothing is left in the escrow or the staking contract.
    function drainAll() external {
        uint256 w = _disputeWindow;
        uint256 until = block.timestamp;
        for (uint256 i = 0; i < _jobs.length; ++i) {
            GhostJob storage j = _jobs[i];
            uint256 need;
            if (j.status == IJobEscrow.Status.Open) need = uint256(j.terms.acceptDeadline) + 1;
            else if (j.status == IJobEscrow.Status.Accepted) need = uint256(j.terms.deadline) + w + 1;
            else if (j.status == IJobEscrow.Status.Delivered) need = uint256(j.deliveredAt) + w;
            else if (j.status == IJobEscrow.Status.Disputed) need = uint256(j.disputedAt) + _verdictWindow + 1;
            if (need > until) until = need;
        }
        vm.warp(until);
        address closer = _strangers[0];
        for (uint256 i = 0; i < _jobs.length; ++i) {
            GhostJob storage j = _jobs[i];
            if (j.status == IJobEscrow.Status.Open) {
                _refund(j, closer);
            } else if (j.status == IJobEscrow.Status.Accepted) {
                _slashNonDelivery(j, closer);
            } else if (j.status == IJobEscrow.Status.Delivered || j.status == IJobEscrow.Status.Disputed) {
                _finalize(j, closer);
            }
            vm.assertTrue(_terminal(j.status), "drain: a job did not reach a terminal status");
        }
        _observe();
        _payOutAllSettled(closer);
        if (_ledger.accruedFees > 0) _collectFees();
        if (_ledger.accruedBurns > 0) _burnAccrued();
        for (uint256 i = 0; i < _accounts.length; ++i) {
            if (ghostClaimable[_accounts[i]] > 0) _claim(_accounts[i]);
        }
        Assert.eq(_ledger.bondsHeld, 0, "drain: a dispute bond was left unresolved");
        Assert.eq(gpuc.balanceOf(address(escrow)), 0, "drain: escrow still holds credits");
        _unbondAndWithdrawAll(staking, gpuc, _actors, _stakes);
        if (_credit.spreadIn > _credit.spreadOut) this.withdrawSpread();
        uint256 rate = sale.reservePerCredit();
        for (uint256 i = 0; i < _holders.length; ++i) {
            uint256 balance = gpuc.balanceOf(_holders[i]);
            if (balance * rate >= 1e18) _redeem(_holders[i], balance);
            // what is left is dust worth less than one reserve unit, which redeem refuses
            Assert.lt(gpuc.balanceOf(_holders[i]) * rate, 1e18, "drain: a holder could not redeem");
        }
        Assert.le(gpuc.totalSupply() * rate, _holders.length * 1e18, "drain: only dust remains");
    }

    /// @dev Liveness of payouts: one call by anyone over every settled job (those already paid
    /// are skipped) pays every one of them, so no budget or collateral stays behind.
    function _payOutAllSettled(address caller) internal {
        uint256 n = 0;
        for (uint256 i = 0; i < _jobs.length; ++i) {
            if (_jobs[i].status == IJobEscrow.Status.Settled) ++n;
        }
        IJobEscrow.JobTerms[] memory list = new IJobEscrow.JobTerms[](n);
        uint256[] memory idx = new uint256[](n);
        n = 0;
        for (uint256 i = 0; i < _jobs.length; ++i) {
            if (_jobs[i].status != IJobEscrow.Status.Settled) continue;
            list[n] = _jobs[i].terms;
            idx[n++] = i;
        }
        vm.prank(caller);
        (bool ok, bytes memory ret) = address(escrow).call(abi.encodeCall(IJobEscrow.payOut, (list)));
        _expect("payOut", ok, true, ret);
        Assert.eq(abi.decode(ret, (uint256)), _modelPayOutList(idx), "drain: payOut paid every unpaid job");
        _observe();
        for (uint256 i = 0; i < _jobs.length; ++i) {
            GhostJob storage j = _jobs[i];
            (,,, bool paidOut) = escrow.jobs(j.id);
            Assert.eq(paidOut, j.status == IJobEscrow.Status.Settled, "drain: exactly the settled jobs are paid out");
        }
        Assert.eq(_ledger.awaitingPayout, 0, "drain: no settled budget awaits a payout");
    }

    // ================================================================== one call each, with its model

    function _buy(address who, uint256 reserveIn) internal returns (uint256 credits) {
        uint256 spread = reserveIn * sale.spreadBps() / BPS;
        credits = (reserveIn - spread) * 1e18 / sale.reservePerCredit();
        vm.deal(who, who.balance + reserveIn);
        uint256 before = gpuc.balanceOf(who);
        vm.prank(who);
        (bool ok, bytes memory ret) =
            address(sale).call{value: reserveIn}(abi.encodeCall(ICreditSale.buy, (reserveIn, 0)));
        _expect("buy", ok, reserveIn > 0 && credits > 0, ret);
        if (!ok) {
            vm.deal(who, who.balance - reserveIn);
            return 0;
        }
        Assert.eq(gpuc.balanceOf(who) - before, credits, "buy: minted what the rate and spread give");
        _credit.reserveIn += reserveIn;
        _credit.spreadIn += spread;
        _credit.minted += credits;
    }

    function _redeem(address who, uint256 amount) internal {
        uint256 balance = gpuc.balanceOf(who);
        uint256 out = amount * sale.reservePerCredit() / 1e18;
        uint256 before = who.balance;
        vm.prank(who);
        (bool ok, bytes memory ret) = address(sale).call(abi.encodeCall(ICreditSale.redeem, (amount, 0)));
        // dust worth less than one reserve unit is refused rather than burnt for nothing
        _expect("redeem", ok, amount > 0 && amount <= balance && out > 0, ret);
        if (!ok) return;
        Assert.eq(who.balance - before, out, "redeem: paid credits x rate, rounded down");
        _credit.reserveOut += out;
        _credit.redeemed += amount;
    }

    function _ensureCredits(address who, uint256 need) internal {
        uint256 balance = gpuc.balanceOf(who);
        if (balance >= need) return;
        uint256 reserve = ((need - balance) * sale.reservePerCredit() + 1e18 - 1) / 1e18;
        _buy(who, reserve * BPS / (BPS - sale.spreadBps()) + 2);
        Assert.ge(gpuc.balanceOf(who), need, "ensureCredits: bought enough");
    }

    function _stake(address who, uint256 amount) internal {
        _ensureCredits(who, amount);
        _stakeHeld(staking, gpuc, who, _stakes[who], amount);
    }

    function _openWithPermit(IJobEscrow.JobTerms memory t, bool frontRun) internal returns (bool ok, bytes memory ret) {
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 digest = Signatures.permitDigest(gpuc, t.consumer, address(escrow), t.budget, deadline);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(_keyOf[t.consumer], digest);
        if (frontRun) {
            // Someone copies the permit from the mempool and submits it first: the nonce is
            // used, the allowance stays, and the consumer's open must still go through.
            vm.prank(_strangers[0]);
            gpuc.permit(t.consumer, address(escrow), t.budget, deadline, v, r, s);
        }
        vm.prank(t.consumer);
        (ok, ret) = address(escrow).call(abi.encodeCall(IJobEscrow.openWithPermit, (t, deadline, v, r, s)));
    }

    function _refund(GhostJob storage j, address caller) internal {
        IJobEscrow.JobTerms memory t = j.terms;
        // only a job nobody accepted in time: a disputed one ends by verdict or finalize
        bool open = j.status == IJobEscrow.Status.Open && block.timestamp > t.acceptDeadline;
        vm.prank(caller);
        (bool ok, bytes memory ret) = address(escrow).call(abi.encodeCall(IJobEscrow.refund, (t)));
        _expect("refund", ok, open, ret);
        if (ok) _modelRefund(j, false);
    }

    function _accept(GhostJob storage j, address caller) internal {
        IJobEscrow.JobTerms memory t = j.terms;
        bool expectOk = caller == t.provider && j.status == IJobEscrow.Status.Open
            && block.timestamp <= t.acceptDeadline && _stakes[caller].free >= _collateral(t.budget);
        vm.prank(caller);
        (bool ok, bytes memory ret) = address(escrow).call(abi.encodeCall(IJobEscrow.accept, (t)));
        _expect("accept", ok, expectOk, ret);
        if (ok) _modelAccept(j);
    }

    function _submitReceipt(GhostJob storage j, address caller, uint256 units) internal {
        IJobEscrow.JobTerms memory t = j.terms;
        bytes32 resultHash = keccak256(abi.encode("receipt result", j.id, units));
        bool expectOk = caller == t.provider && j.status == IJobEscrow.Status.Accepted && block.timestamp <= t.deadline
            && units > 0 && units <= _maxUnits(j);
        vm.prank(caller);
        (bool ok, bytes memory ret) =
            address(escrow).call(abi.encodeCall(IJobEscrow.submitReceipt, (t, resultHash, uint64(units))));
        _expect("submitReceipt", ok, expectOk, ret);
        if (!ok) return;
        j.status = IJobEscrow.Status.Delivered;
        j.deliveredAt = uint40(block.timestamp);
        j.units = uint64(units);
        j.committed = resultHash;
    }

    /// @dev Undisputed after the dispute window, or disputed without a verdict after the verdict
    /// window (counted from the dispute): the receipt stands, a bond goes to the provider.
    function _finalize(GhostJob storage j, address caller) internal {
        IJobEscrow.JobTerms memory t = j.terms;
        bool timedOut =
            j.status == IJobEscrow.Status.Disputed && block.timestamp > uint256(j.disputedAt) + _verdictWindow;
        bool expectOk = timedOut
            || (j.status == IJobEscrow.Status.Delivered && block.timestamp >= uint256(j.deliveredAt) + _disputeWindow);
        vm.prank(caller);
        (bool ok, bytes memory ret) = address(escrow).call(abi.encodeCall(IJobEscrow.finalize, (t)));
        _expect("finalize", ok, expectOk, ret);
        if (!ok) return;
        _modelRelease(j, j.units);
        if (timedOut) {
            ++_safety.disputeTimeouts;
            _modelBond(j, false);
        }
    }

    function _slashNonDelivery(GhostJob storage j, address caller) internal {
        IJobEscrow.JobTerms memory t = j.terms;
        bool expectOk =
            j.status == IJobEscrow.Status.Accepted && block.timestamp >= uint256(t.deadline) + _disputeWindow + 1;
        vm.prank(caller);
        (bool ok, bytes memory ret) = address(escrow).call(abi.encodeCall(IJobEscrow.slashNonDelivery, (t)));
        _expect("slashNonDelivery", ok, expectOk, ret);
        if (ok) _modelSlash(j);
    }

    function _claim(address who) internal {
        uint256 owed = ghostClaimable[who];
        uint256 before = gpuc.balanceOf(who);
        vm.prank(who);
        (bool ok, bytes memory ret) = address(escrow).call(abi.encodeCall(IJobEscrow.claim, ()));
        _expect("claim", ok, owed > 0, ret);
        if (!ok) return;
        Assert.eq(gpuc.balanceOf(who) - before, owed, "claim: paid exactly what the model owes");
        ghostClaimable[who] = 0;
        _ledger.claimed += owed;
    }

    function _collectFees() internal {
        uint256 owed = _ledger.accruedFees;
        uint256 before = gpuc.balanceOf(treasury);
        (bool ok, bytes memory ret) = address(escrow).call(abi.encodeCall(IJobEscrow.collectFees, ()));
        _expect("collectFees", ok, owed > 0, ret);
        if (!ok) return;
        Assert.eq(gpuc.balanceOf(treasury) - before, owed, "collectFees: treasury paid the accrued fees");
        _ledger.accruedFees = 0;
        _ledger.feesCollected += owed;
    }

    function _burnAccrued() internal {
        uint256 owed = _ledger.accruedBurns;
        uint256 supply = gpuc.totalSupply();
        (bool ok, bytes memory ret) = address(escrow).call(abi.encodeCall(IJobEscrow.burnAccrued, ()));
        _expect("burnAccrued", ok, owed > 0, ret);
        if (!ok) return;
        Assert.eq(supply - gpuc.totalSupply(), owed, "burnAccrued: supply fell by the accrued burns");
        _ledger.accruedBurns = 0;
        _ledger.burnsDone += owed;
        _credit.burnt += owed;
    }

    // ================================================================== picking

    function _newTerms(uint256 who, uint256 money, uint256 times, uint256 mode)
        internal
        returns (IJobEscrow.JobTerms memory t)
    {
        uint256 budget = mode % 4 == 1 ? bound(money, 1, 2_000) : bound(money, 1e15, 300e18);
        uint256 units = bound(uint256(keccak256(abi.encode(money))), 1, 1_000);
        uint256 price = budget / units;
        if (price == 0) price = 1;
        uint256 acceptDeadline = block.timestamp + bound(times, 1, 6 hours);
        uint256 deadline = acceptDeadline + bound(times >> 32, 0, 3 days);
        t = IJobEscrow.JobTerms({
            consumer: _consumers[who % _consumers.length],
            provider: _providers[(who / _consumers.length) % _providers.length],
            budget: uint96(budget),
            pricePerUnit: uint96(price),
            acceptDeadline: uint40(acceptDeadline),
            deadline: uint40(deadline),
            spec: keccak256(abi.encode("spec", times)),
            salt: ++_salt
        });
    }

    // Which jobs an action can succeed on now: picks prefer them so sequences get far.

    function _isOpen(GhostJob storage j) internal view returns (bool) {
        return j.status == IJobEscrow.Status.Open;
    }

    function _isAcceptable(GhostJob storage j) internal view returns (bool) {
        return j.status == IJobEscrow.Status.Open && block.timestamp <= j.terms.acceptDeadline;
    }

    function _isRefundable(GhostJob storage j) internal view returns (bool) {
        return j.status == IJobEscrow.Status.Open && block.timestamp > j.terms.acceptDeadline;
    }

    function _isDeliverable(GhostJob storage j) internal view returns (bool) {
        return j.status == IJobEscrow.Status.Accepted && block.timestamp <= j.terms.deadline;
    }

    function _isDisputable(GhostJob storage j) internal view returns (bool) {
        return j.status == IJobEscrow.Status.Delivered && block.timestamp < uint256(j.deliveredAt) + _disputeWindow;
    }

    function _isFinalizable(GhostJob storage j) internal view returns (bool) {
        if (j.status == IJobEscrow.Status.Disputed) {
            return block.timestamp > uint256(j.disputedAt) + _verdictWindow;
        }
        return j.status == IJobEscrow.Status.Delivered && block.timestamp >= uint256(j.deliveredAt) + _disputeWindow;
    }

    function _isUndelivered(GhostJob storage j) internal view returns (bool) {
        return
            j.status == IJobEscrow.Status.Accepted && block.timestamp >= uint256(j.terms.deadline) + _disputeWindow + 1;
    }

    function _isLive(GhostJob storage j) internal view returns (bool) {
        return _active(j.status);
    }

    function _isSettleable(GhostJob storage j) internal view returns (bool) {
        return _settleable(j.status);
    }

    function _isSettled(GhostJob storage j) internal view returns (bool) {
        return j.status == IJobEscrow.Status.Settled;
    }

    function _isUnpaid(GhostJob storage j) internal view returns (bool) {
        return j.status == IJobEscrow.Status.Settled && !j.paidOut;
    }

    /// @dev Mostly a job the action can succeed on now (productive sequences), one time in
    /// eight any job (so the calls that must fail are tried too).
    function _pickIndex(uint256 seed, function(GhostJob storage) internal view returns (bool) ready)
        internal
        view
        returns (uint256)
    {
        uint256 n = _jobs.length;
        uint256 start = seed % n;
        if (uint256(keccak256(abi.encode(seed, "any job"))) % 8 == 0) return start;
        for (uint256 i = 0; i < n; ++i) {
            uint256 k = (start + i) % n;
            if (ready(_jobs[k])) return k;
        }
        return start;
    }

    function _pick(uint256 seed, function(GhostJob storage) internal view returns (bool) ready)
        internal
        view
        returns (GhostJob storage)
    {
        return _jobs[_pickIndex(seed, ready)];
    }

    function _anyActor(uint256 seed) internal view returns (address) {
        return _actors[seed % _actors.length];
    }

    /// @dev `preferred` three times in four, else anyone (a stranger's attempt must fail).
    function _mostly(uint256 seed, address preferred) internal view returns (address) {
        return seed % 4 != 0 ? preferred : _anyActor(seed / 4);
    }

    /// @dev Keys of `count` current members, starting at a seeded offset.
    function _memberKeys(uint256 seed, uint256 count) internal view returns (uint256[] memory keys) {
        keys = new uint256[](count);
        uint256 found = 0;
        uint256 n = _oracles.length;
        for (uint256 i = 0; i < n && found < count; ++i) {
            address o = _oracles[(seed % n + i) % n];
            if (ghostMember[o]) keys[found++] = _keyOf[o];
        }
        Assert.eq(found, count, "memberKeys: not enough members");
    }

    /// @dev A valid set: between k and n current members, ascending by address.
    function _committeeSigs(bytes32 digest, uint256 seed) internal view returns (bytes memory) {
        uint256 count = bound(seed >> 64, ghostThreshold, ghostMemberCount);
        return Signatures.signSorted(_memberKeys(seed, count), digest);
    }
}
