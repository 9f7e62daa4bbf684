// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {IJobEscrow} from "./interfaces/IJobEscrow.sol";
import {EscrowParameters} from "./EscrowParameters.sol";
import {EscrowHashing} from "./libraries/EscrowHashing.sol";

/// @title Job escrow
/// @notice See IJobEscrow. Money moves only through pull balances (`claimable`) and the two
/// protocol accumulators, so settlement touches no token contract and a batch stays cheap.
/// The parameters and the money rules are in EscrowParameters, the hashes in EscrowHashing.
contract JobEscrow is EscrowParameters, EIP712, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    bytes32 public constant VERDICT_TYPEHASH = EscrowHashing.VERDICT_TYPEHASH;
    bytes32 public constant VERDICT_ITEM_TYPEHASH = EscrowHashing.VERDICT_ITEM_TYPEHASH;
    bytes32 public constant VERDICT_BATCH_TYPEHASH = EscrowHashing.VERDICT_BATCH_TYPEHASH;
    bytes32 public constant ACCEPTANCE_TYPEHASH = EscrowHashing.ACCEPTANCE_TYPEHASH;
    bytes32 public constant RECEIPT_TYPEHASH = EscrowHashing.RECEIPT_TYPEHASH;

    struct Accrued {
        uint128 fees;
        uint128 burns;
    }

    /// @inheritdoc IJobEscrow
    mapping(bytes32 jobId => Job) public jobs;
    /// @inheritdoc IJobEscrow
    mapping(bytes32 jobId => bytes32) public committedResult;
    /// @inheritdoc IJobEscrow
    mapping(address account => uint256) public claimable;
    /// @inheritdoc IJobEscrow
    mapping(bytes32 jobId => uint256) public disputedAt;
    Accrued private _accrued;

    constructor(Config memory c) EscrowParameters(c) EIP712("GPUC JobEscrow", "1") {}

    // ------------------------------------------------------------------ opening

    /// @inheritdoc IJobEscrow
    function open(JobTerms calldata terms) external returns (bytes32 jobId) {
        jobId = EscrowHashing.jobId(terms);
        _open(terms, jobId, Status.Open);
        IERC20(address(credit)).safeTransferFrom(msg.sender, address(this), terms.budget);
    }

    /// @inheritdoc IJobEscrow
    function openWithPermit(JobTerms calldata terms, uint256 permitDeadline, uint8 v, bytes32 r, bytes32 s)
        external
        returns (bytes32 jobId)
    {
        jobId = EscrowHashing.jobId(terms);
        _open(terms, jobId, Status.Open);
        // A front-run permit uses the nonce but leaves the allowance: go on if it is there.
        try IERC20Permit(address(credit)).permit(msg.sender, address(this), terms.budget, permitDeadline, v, r, s) {}
            catch {}
        IERC20(address(credit)).safeTransferFrom(msg.sender, address(this), terms.budget);
    }

    /// @inheritdoc IJobEscrow
    function openAccepted(JobTerms calldata terms, bytes calldata acceptance) external returns (bytes32 jobId) {
        jobId = _openAccepted(terms, acceptance);
        IERC20(address(credit)).safeTransferFrom(msg.sender, address(this), terms.budget);
        staking.lock(terms.provider, _collateral(terms.budget));
    }

    /// @inheritdoc IJobEscrow
    function openAcceptedWithPermit(
        JobTerms calldata terms,
        bytes calldata acceptance,
        uint256 permitDeadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external returns (bytes32 jobId) {
        jobId = _openAccepted(terms, acceptance);
        // A front-run permit uses the nonce but leaves the allowance: go on if it is there.
        try IERC20Permit(address(credit)).permit(msg.sender, address(this), terms.budget, permitDeadline, v, r, s) {}
            catch {}
        IERC20(address(credit)).safeTransferFrom(msg.sender, address(this), terms.budget);
        staking.lock(terms.provider, _collateral(terms.budget));
    }

    /// @inheritdoc IJobEscrow
    function cancel(JobTerms calldata terms) external {
        bytes32 jobId = EscrowHashing.jobId(terms);
        if (msg.sender != terms.consumer) revert NotConsumer(msg.sender, terms.consumer);
        Job storage job = jobs[jobId];
        _expect(jobId, job.status, Status.Open);
        job.status = Status.Refunded;
        claimable[terms.consumer] += terms.budget;
        emit JobRefunded(jobId, terms.consumer, terms.budget, RefundReason.Cancelled);
    }

    /// @inheritdoc IJobEscrow
    function refund(JobTerms calldata terms) external {
        bytes32 jobId = EscrowHashing.jobId(terms);
        Job storage job = jobs[jobId];
        _expect(jobId, job.status, Status.Open);
        if (block.timestamp <= terms.acceptDeadline) {
            revert TooEarly(jobId, uint256(terms.acceptDeadline) + 1, block.timestamp);
        }
        job.status = Status.Refunded;
        claimable[terms.consumer] += terms.budget;
        emit JobRefunded(jobId, terms.consumer, terms.budget, RefundReason.NotAccepted);
    }

    // ------------------------------------------------------------------ provider

    /// @inheritdoc IJobEscrow
    function accept(JobTerms calldata terms) external {
        bytes32 jobId = EscrowHashing.jobId(terms);
        if (msg.sender != terms.provider) revert NotProvider(msg.sender, terms.provider);
        Job storage job = jobs[jobId];
        _expect(jobId, job.status, Status.Open);
        if (block.timestamp > terms.acceptDeadline) revert TooLate(jobId, terms.acceptDeadline, block.timestamp);
        job.status = Status.Accepted;
        uint256 collateral = _collateral(terms.budget);
        emit JobAccepted(jobId, msg.sender, collateral);
        staking.lock(msg.sender, collateral);
    }

    /// @inheritdoc IJobEscrow
    function submitReceipt(JobTerms calldata terms, bytes32 resultHash, uint64 units) external {
        bytes32 jobId = EscrowHashing.jobId(terms);
        if (msg.sender != terms.provider) revert NotProvider(msg.sender, terms.provider);
        Job storage job = jobs[jobId];
        _expect(jobId, job.status, Status.Accepted);
        if (block.timestamp > terms.deadline) revert TooLate(jobId, terms.deadline, block.timestamp);
        if (units == 0) revert ZeroUnits(jobId);
        uint256 maxUnits = terms.budget / terms.pricePerUnit;
        if (units > maxUnits) revert UnitsExceedMax(jobId, units, maxUnits);
        job.status = Status.Delivered;
        job.deliveredAt = uint40(block.timestamp);
        job.units = units;
        committedResult[jobId] = resultHash;
        emit ReceiptSubmitted(jobId, resultHash, units);
    }

    /// @inheritdoc IJobEscrow
    function dispute(JobTerms calldata terms) external {
        bytes32 jobId = EscrowHashing.jobId(terms);
        // One member alone must not stop a payout: the committee acts by k-of-n verdict instead.
        if (msg.sender != terms.consumer) revert NotConsumer(msg.sender, terms.consumer);
        Job storage job = jobs[jobId];
        _expect(jobId, job.status, Status.Delivered);
        // TooLate carries the last second still allowed, as in accept and submitReceipt.
        uint256 lastSecond = uint256(job.deliveredAt) + disputeWindow - 1;
        if (block.timestamp > lastSecond) revert TooLate(jobId, lastSecond, block.timestamp);
        job.status = Status.Disputed;
        disputedAt[jobId] = block.timestamp;
        uint256 bond = _bond(terms.budget);
        emit JobDisputed(jobId, msg.sender, bond);
        IERC20(address(credit)).safeTransferFrom(msg.sender, address(this), bond);
    }

    // ------------------------------------------------------------------ settlement

    /// @inheritdoc IJobEscrow
    function settle(JobTerms calldata terms, Verdict calldata verdict, bytes calldata signatures)
        external
        nonReentrant
    {
        (,, bool slashed) = _settle(terms, verdict, signatures);
        if (slashed) _takeCollateral(terms.provider, _collateral(terms.budget));
    }

    /// @inheritdoc IJobEscrow
    function settleAndPayOut(JobTerms calldata terms, Verdict calldata verdict, bytes calldata signatures)
        external
        nonReentrant
    {
        (bytes32 jobId, Job storage job, bool slashed) = _settle(terms, verdict, signatures);
        if (slashed) return _takeCollateral(terms.provider, _collateral(terms.budget));
        // What payOut does for this one job, in the same transaction.
        (uint256 fee, uint256 burn) = _payOutOne(terms, jobId, job);
        _accrue(fee, burn);
        staking.unlock(terms.provider, _collateral(terms.budget));
    }

    /// @inheritdoc IJobEscrow
    function settleBatch(Settlement[] calldata settlements, uint64 epoch, bytes calldata signatures)
        external
        nonReentrant
    {
        uint256 n = settlements.length;
        if (n == 0) revert EmptyBatch();
        // EIP-712 array of structs: keccak256 of the concatenated item hashes.
        bytes32[] memory itemHashes = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) {
            itemHashes[i] = EscrowHashing.verdictItem(settlements[i].verdict);
        }
        committee.verifySignatures(_hashTypedDataV4(EscrowHashing.verdictBatch(itemHashes, epoch)), epoch, signatures);
        // Faults are recorded in the loop and their collateral taken after it (state first).
        uint256[] memory faults = new uint256[](n);
        uint256 nFaults = 0;
        for (uint256 i = 0; i < n; ++i) {
            Settlement calldata s = settlements[i];
            bytes32 jobId = EscrowHashing.jobId(s.terms);
            if (s.verdict.jobId != jobId) revert VerdictJobMismatch(jobId, s.verdict.jobId);
            Job storage job = jobs[jobId];
            Status status = job.status;
            if (status == Status.None) revert UnknownJob(jobId);
            if (!_settleable(status)) {
                // Someone settled it first (e.g. optimistic finalize): skip rather than fail the batch.
                emit SettlementSkipped(jobId, status);
                continue;
            }
            if (_apply(s.terms, jobId, job, s.verdict.outcome, s.verdict.units, s.verdict.resultHash)) {
                faults[nFaults++] = i;
            }
        }
        for (uint256 f = 0; f < nFaults; ++f) {
            JobTerms calldata t = settlements[faults[f]].terms;
            _takeCollateral(t.provider, _collateral(t.budget));
        }
    }

    /// @inheritdoc IJobEscrow
    function finalize(JobTerms calldata terms) external {
        bytes32 jobId = EscrowHashing.jobId(terms);
        Job storage job = jobs[jobId];
        Status status = job.status;
        if (status != Status.Delivered && status != Status.Disputed) _unknownOr(jobId, status);
        // Disputed without a verdict in time: nobody proved a fault, so the receipt stands and
        // the bond goes to the provider (the timeout does not reward the disputer).
        uint256 readyAt = status == Status.Delivered
            ? uint256(job.deliveredAt) + disputeWindow
            : disputedAt[jobId] + verdictWindow + 1;
        if (block.timestamp < readyAt) revert TooEarly(jobId, readyAt, block.timestamp);
        bytes32 resultHash = committedResult[jobId];
        delete committedResult[jobId];
        uint64 units = job.units;
        _release(terms, jobId, job, units, resultHash, true);
        if (status == Status.Disputed) _releaseBond(terms, jobId, false);
    }

    /// @inheritdoc IJobEscrow
    function slashNonDelivery(JobTerms calldata terms) external nonReentrant {
        bytes32 jobId = EscrowHashing.jobId(terms);
        Job storage job = jobs[jobId];
        _expect(jobId, job.status, Status.Accepted);
        uint256 availableAt = uint256(terms.deadline) + disputeWindow + 1;
        if (block.timestamp < availableAt) revert TooEarly(jobId, availableAt, block.timestamp);
        _slash(terms, jobId, job, SlashReason.NonDelivery);
        _takeCollateral(terms.provider, _collateral(terms.budget));
    }

    // ------------------------------------------------------------------ money out

    /// @inheritdoc IJobEscrow
    function payOut(JobTerms[] calldata terms) external nonReentrant returns (uint256 paid) {
        uint256 fees = 0;
        uint256 burns = 0;
        // Unlocks are summed per run of one provider (a provider's batch unlocks once) and
        // sent only after every job's state is written.
        address[] memory unlockFor = new address[](terms.length);
        uint256[] memory unlockAmount = new uint256[](terms.length);
        uint256 runs = 0;
        for (uint256 i = 0; i < terms.length; ++i) {
            JobTerms calldata t = terms[i];
            bytes32 jobId = EscrowHashing.jobId(t);
            Job storage job = jobs[jobId];
            if (job.status != Status.Settled) {
                if (job.status == Status.None) revert UnknownJob(jobId);
                revert NotSettled(jobId, job.status);
            }
            if (job.paidOut) continue;
            (uint256 fee, uint256 burn) = _payOutOne(t, jobId, job);
            fees += fee;
            burns += burn;
            if (runs == 0 || unlockFor[runs - 1] != t.provider) {
                unlockFor[runs] = t.provider;
                ++runs;
            }
            unlockAmount[runs - 1] += _collateral(t.budget);
            ++paid;
        }
        _accrue(fees, burns);
        for (uint256 r = 0; r < runs; ++r) {
            staking.unlock(unlockFor[r], unlockAmount[r]);
        }
    }

    /// @inheritdoc IJobEscrow
    function claim() external nonReentrant returns (uint256 amount) {
        amount = claimable[msg.sender];
        if (amount == 0) revert NothingToClaim(msg.sender);
        claimable[msg.sender] = 0;
        emit Claimed(msg.sender, amount);
        IERC20(address(credit)).safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc IJobEscrow
    function collectFees() external nonReentrant returns (uint256 amount) {
        amount = _accrued.fees;
        if (amount == 0) revert NothingToClaim(treasury);
        _accrued.fees = 0;
        emit FeesCollected(treasury, amount);
        IERC20(address(credit)).safeTransfer(treasury, amount);
    }

    /// @inheritdoc IJobEscrow
    function burnAccrued() external nonReentrant returns (uint256 amount) {
        amount = _accrued.burns;
        if (amount == 0) revert NothingToClaim(address(0));
        _accrued.burns = 0;
        emit CreditsBurnt(amount);
        credit.burn(amount);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IJobEscrow
    function accrued() external view returns (uint128 fees, uint128 burns) {
        Accrued memory a = _accrued;
        return (a.fees, a.burns);
    }

    /// @inheritdoc IJobEscrow
    function jobIdOf(JobTerms calldata terms) external pure returns (bytes32) {
        return EscrowHashing.jobId(terms);
    }

    /// @inheritdoc IJobEscrow
    function acceptanceDigest(bytes32 jobId) external view returns (bytes32) {
        return _hashTypedDataV4(EscrowHashing.acceptance(jobId));
    }

    /// @inheritdoc IJobEscrow
    function verdictDigest(Verdict calldata verdict) external view returns (bytes32) {
        return _hashTypedDataV4(EscrowHashing.verdict(verdict));
    }

    /// @inheritdoc IJobEscrow
    function verdictBatchDigest(VerdictItem[] calldata items, uint64 epoch) external view returns (bytes32) {
        bytes32[] memory itemHashes = new bytes32[](items.length);
        for (uint256 i = 0; i < items.length; ++i) {
            itemHashes[i] = EscrowHashing.verdictItem(items[i]);
        }
        return _hashTypedDataV4(EscrowHashing.verdictBatch(itemHashes, epoch));
    }

    /// @inheritdoc IJobEscrow
    function receiptDigest(Receipt calldata receipt) external view returns (bytes32) {
        return _hashTypedDataV4(EscrowHashing.receipt(receipt));
    }

    // ------------------------------------------------------------------ internals

    function _open(JobTerms calldata terms, bytes32 jobId, Status status) private {
        if (msg.sender != terms.consumer) revert NotConsumer(msg.sender, terms.consumer);
        if (terms.provider == address(0) || terms.provider == terms.consumer) revert InvalidProvider(terms.provider);
        if (terms.pricePerUnit == 0 || terms.pricePerUnit > terms.budget) {
            revert InvalidPrice(terms.pricePerUnit, terms.budget);
        }
        if (
            terms.acceptDeadline <= block.timestamp || terms.deadline < terms.acceptDeadline
                || terms.deadline > block.timestamp + maxJobDuration
        ) revert InvalidDeadlines(terms.acceptDeadline, terms.deadline, block.timestamp, maxJobDuration);
        // Receipts and verdicts carry units as uint64: every unit the budget pays for must fit.
        uint256 maxUnits = terms.budget / terms.pricePerUnit;
        if (maxUnits > type(uint64).max) revert TooManyUnits(maxUnits, type(uint64).max);
        Job storage job = jobs[jobId];
        if (job.status != Status.None) revert JobExists(jobId);
        job.status = status;
        emit JobOpened(jobId, terms.consumer, terms.provider, terms);
    }

    function _settle(JobTerms calldata terms, Verdict calldata verdict, bytes calldata signatures)
        private
        returns (bytes32 jobId, Job storage job, bool slashed)
    {
        jobId = EscrowHashing.jobId(terms);
        if (verdict.jobId != jobId) revert VerdictJobMismatch(jobId, verdict.jobId);
        committee.verifySignatures(_hashTypedDataV4(EscrowHashing.verdict(verdict)), verdict.epoch, signatures);
        job = jobs[jobId];
        Status status = job.status;
        if (!_settleable(status)) _unknownOr(jobId, status);
        slashed = _apply(terms, jobId, job, verdict.outcome, verdict.units, verdict.resultHash);
    }

    /// @dev Marks a Settled job paid out and credits provider and consumer; the caller accrues
    /// the returned fee and burn and unlocks the collateral (after all state is written).
    function _payOutOne(JobTerms calldata terms, bytes32 jobId, Job storage job)
        private
        returns (uint256 fee, uint256 burn)
    {
        job.paidOut = true;
        uint256 net;
        uint256 refundAmount;
        (net, refundAmount, fee, burn) = _split(terms, job.units);
        claimable[terms.provider] += net;
        if (refundAmount != 0) claimable[terms.consumer] += refundAmount;
        emit JobPaidOut(jobId, terms.provider, net, refundAmount);
    }

    function _apply(
        JobTerms calldata terms,
        bytes32 jobId,
        Job storage job,
        uint8 outcome,
        uint64 units,
        bytes32 resultHash
    ) private returns (bool slashed) {
        Status status = job.status;
        // The bond of a dispute goes back to the consumer only if the verdict proves a fault:
        // outcome fault, or fewer units than the receipt claimed.
        uint64 claimed = job.units;
        if (outcome == uint8(Outcome.Release)) {
            uint256 maxUnits = terms.budget / terms.pricePerUnit;
            if (units > maxUnits) revert UnitsExceedMax(jobId, units, maxUnits);
            if (status != Status.Accepted) delete committedResult[jobId];
            _release(terms, jobId, job, units, resultHash, false);
            if (status == Status.Disputed) _releaseBond(terms, jobId, units < claimed);
        } else if (outcome == uint8(Outcome.Fault)) {
            if (status != Status.Accepted) delete committedResult[jobId];
            _slash(terms, jobId, job, SlashReason.FaultVerdict);
            if (status == Status.Disputed) _releaseBond(terms, jobId, true);
            slashed = true; // the caller takes the collateral once every state write is done
        } else {
            // the byte travels as uint8 (the EIP-712 type), so a bad value is named, not a bare revert
            revert InvalidOutcome(jobId, outcome);
        }
    }

    /// @dev Records the outcome only; `payOut` moves the money (see IJobEscrow).
    function _release(
        JobTerms calldata terms,
        bytes32 jobId,
        Job storage job,
        uint256 units,
        bytes32 resultHash,
        bool optimistic
    ) private {
        job.status = Status.Settled;
        job.units = uint64(units);
        (uint256 net, uint256 refundAmount, uint256 fee, uint256 burn) = _split(terms, units);
        emit JobSettled(jobId, units, net, refundAmount, fee, burn, resultHash, optimistic);
    }

    /// @dev State only: the caller takes the collateral (`_takeCollateral`) after every state
    /// write of the transaction. The slash is exactly the job's locked collateral.
    function _slash(JobTerms calldata terms, bytes32 jobId, Job storage job, SlashReason reason) private {
        job.status = Status.Slashed;
        (uint256 slashed, uint256 compensation, uint256 burnt, uint256 toTreasury) = _slashSplit(terms.budget);
        claimable[terms.consumer] += uint256(terms.budget) + compensation;
        _accrue(toTreasury, burnt);
        emit JobSlashed(jobId, terms.provider, slashed, compensation, burnt, toTreasury, reason);
    }

    /// @dev The protocol's share of a payout or a slash, added to the accumulators that
    /// `collectFees` and `burnAccrued` empty (one slot, written only when there is something).
    function _accrue(uint256 fees, uint256 burns) private {
        if (fees == 0 && burns == 0) return;
        Accrued memory a = _accrued;
        a.fees += uint128(fees);
        a.burns += uint128(burns);
        _accrued = a;
    }

    /// @dev The one external call of a slash, made last: the escrow has already accounted for
    /// `amount`, so staking must deliver exactly that.
    function _takeCollateral(address provider, uint256 amount) private {
        uint256 got = staking.slash(provider, amount, amount);
        if (got != amount) revert SlashMismatch(amount, got);
    }

    function _releaseBond(JobTerms calldata terms, bytes32 jobId, bool faultProven) private {
        uint256 bond = _bond(terms.budget);
        address to = faultProven ? terms.consumer : terms.provider;
        claimable[to] += bond;
        emit DisputeBondReleased(jobId, to, bond, faultProven);
    }

    /// @dev Checks the provider's acceptance and records the job as Accepted; the caller then
    /// pulls the budget and locks the collateral (state first, calls after).
    function _openAccepted(JobTerms calldata terms, bytes calldata acceptance) private returns (bytes32 jobId) {
        jobId = EscrowHashing.jobId(terms);
        address signer = ECDSA.recoverCalldata(_hashTypedDataV4(EscrowHashing.acceptance(jobId)), acceptance);
        if (signer != terms.provider) revert InvalidAcceptance(signer, terms.provider);
        _open(terms, jobId, Status.Accepted);
        emit JobAccepted(jobId, terms.provider, _collateral(terms.budget));
    }

    function _settleable(Status status) private pure returns (bool) {
        return status == Status.Accepted || status == Status.Delivered || status == Status.Disputed;
    }

    function _expect(bytes32 jobId, Status status, Status expected) private pure {
        if (status != expected) _unknownOr(jobId, status);
    }

    function _unknownOr(bytes32 jobId, Status status) private pure {
        if (status == Status.None) revert UnknownJob(jobId);
        revert WrongStatus(jobId, status);
    }
}
