// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title Job escrow
/// @notice Holds a consumer's budget for one job and settles it exactly once: pay the provider
/// on a k-of-n release verdict (or optimistically after an undisputed window), or refund the
/// consumer and slash the provider on a fault verdict or non-delivery. Payments are pulled.
/// Disputes are the consumer's and cost a bond (see docs/disputes.md): the bond goes to the
/// provider unless the verdict proves a fault (fault, or fewer units than the receipt claimed),
/// and a dispute that gets no verdict within `verdictWindow` of the dispute settles as the
/// receipt said (`finalize`), so a late or dishonest dispute never pays the disputer.
/// @dev Terms are not stored: a job is one slot (status, delivery time, units, paid-out flag);
/// every call passes the terms and the escrow checks keccak256(abi.encode(terms)) against the id.
/// A release is split in two: settlement only records the outcome (one slot write, so the
/// committee's transaction stays cheap), and `payOut` — callable by anyone, batched by the
/// provider — credits the provider and the consumer, accrues fees and unlocks the collateral.
interface IJobEscrow {
    /// @notice What a job is. Its id is keccak256(abi.encode(terms)).
    struct JobTerms {
        address consumer;
        address provider;
        uint96 budget;
        uint96 pricePerUnit;
        uint40 acceptDeadline;
        uint40 deadline;
        bytes32 spec;
        uint256 salt;
    }

    enum Status {
        None,
        Open,
        Accepted,
        Delivered,
        Disputed,
        Settled,
        Slashed,
        Refunded
    }

    /// @notice The one storage slot a job takes.
    struct Job {
        Status status;
        uint40 deliveredAt;
        uint64 units;
        bool paidOut;
    }

    /// @notice One job's outcome. outcome 1 = release `units`, 2 = fault.
    struct VerdictItem {
        bytes32 jobId;
        uint8 outcome;
        uint64 units;
        bytes32 resultHash;
    }

    /// @notice A single job's verdict under committee epoch `epoch`.
    struct Verdict {
        bytes32 jobId;
        uint8 outcome;
        uint64 units;
        bytes32 resultHash;
        uint64 epoch;
    }

    /// @notice A batch entry: the job's terms and its outcome.
    struct Settlement {
        JobTerms terms;
        VerdictItem verdict;
    }

    /// @notice The receipt a provider signs off-chain (checked by oracles; typehash exposed here
    /// so both sides hash it the same way).
    struct Receipt {
        bytes32 jobId;
        bytes32 resultHash;
        uint64 units;
        uint64 startedAt;
        uint64 finishedAt;
    }

    enum SlashReason {
        FaultVerdict,
        NonDelivery
    }

    enum RefundReason {
        Cancelled,
        NotAccepted
    }

    /// @notice The caller is not the job's consumer.
    error NotConsumer(address caller, address consumer);
    /// @notice The caller is not the job's provider.
    error NotProvider(address caller, address provider);
    /// @notice The provider's acceptance signature does not recover to the job's provider.
    error InvalidAcceptance(address signer, address provider);
    /// @notice budget / pricePerUnit units do not fit the uint64 that receipts and verdicts carry.
    error TooManyUnits(uint256 maxUnits, uint256 limit);
    /// @notice A window parameter (dispute or verdict window) of zero.
    error ZeroWindow(string what);
    /// @notice A basis-point parameter below its floor.
    error BpsTooLow(string what, uint256 bps, uint256 minBps);
    /// @notice The staking contract slashed another amount than the locked collateral.
    error SlashMismatch(uint256 expected, uint256 slashed);
    /// @notice Budget zero, or price zero or above the budget (not even one unit).
    error InvalidPrice(uint256 pricePerUnit, uint256 budget);
    /// @notice Deadlines must satisfy now < acceptDeadline <= deadline <= now + maxJobDuration.
    error InvalidDeadlines(uint256 acceptDeadline, uint256 deadline, uint256 nowTime, uint256 maxJobDuration);
    /// @notice The provider is address(0) or the consumer itself.
    error InvalidProvider(address provider);
    /// @notice A job with these terms exists already (pick another salt).
    error JobExists(bytes32 jobId);
    /// @notice No job has these terms.
    error UnknownJob(bytes32 jobId);
    /// @notice The job is not in a status that allows this call.
    error WrongStatus(bytes32 jobId, Status status);
    /// @notice The action's time has passed; `limit` is the last second it was allowed.
    error TooLate(bytes32 jobId, uint256 limit, uint256 nowTime);
    /// @notice The action's time has not come; `availableAt` is the first second it is allowed.
    error TooEarly(bytes32 jobId, uint256 availableAt, uint256 nowTime);
    /// @notice More units than the budget pays for.
    error UnitsExceedMax(bytes32 jobId, uint256 units, uint256 maxUnits);
    /// @notice A receipt with zero units.
    error ZeroUnits(bytes32 jobId);
    /// @notice The verdict names another job than the terms.
    error VerdictJobMismatch(bytes32 termsJobId, bytes32 verdictJobId);
    /// @notice Outcome is neither 1 (release) nor 2 (fault).
    error InvalidOutcome(bytes32 jobId, uint8 outcome);
    /// @notice A batch with no entries.
    error EmptyBatch();
    /// @notice `payOut` was given a job that is not settled as a release.
    error NotSettled(bytes32 jobId, Status status);
    /// @notice Nothing is owed to the caller.
    error NothingToClaim(address account);
    /// @notice A basis-point parameter above its cap.
    error BpsTooHigh(string what, uint256 bps, uint256 maxBps);
    /// @notice The staking unbonding delay must outlast every window in which a slash can come.
    error UnbondingTooShort(uint256 unbondingDelay, uint256 required);
    /// @notice A constructor address is zero.
    error ZeroAddress(string what);

    /// @notice A consumer locked `terms.budget` for a job.
    event JobOpened(bytes32 indexed jobId, address indexed consumer, address indexed provider, JobTerms terms);
    /// @notice The provider accepted and `collateral` of its stake was locked.
    event JobAccepted(bytes32 indexed jobId, address indexed provider, uint256 collateral);
    /// @notice The provider committed to a result on chain; the dispute window started.
    event ReceiptSubmitted(bytes32 indexed jobId, bytes32 resultHash, uint256 units);
    /// @notice `by` (the consumer) disputed the receipt and posted `bond`; a verdict settles the
    /// job now, or, after the verdict window, `finalize` settles it as the receipt said.
    event JobDisputed(bytes32 indexed jobId, address indexed by, uint256 bond);
    /// @notice A dispute bond went to `to`: the consumer when a fault was proven, else the provider.
    event DisputeBondReleased(bytes32 indexed jobId, address indexed to, uint256 amount, bool faultProven);
    /// @notice The job was settled as a release of `units`: `payOut` will credit the provider
    /// `providerPay` and the consumer `consumerRefund`, and accrue `fee` and `burn`.
    event JobSettled(
        bytes32 indexed jobId,
        uint256 units,
        uint256 providerPay,
        uint256 consumerRefund,
        uint256 fee,
        uint256 burn,
        bytes32 resultHash,
        bool optimistic
    );
    /// @notice The provider was slashed; the consumer got its budget plus `compensation`.
    event JobSlashed(
        bytes32 indexed jobId,
        address indexed provider,
        uint256 slashed,
        uint256 compensation,
        uint256 burnt,
        uint256 toTreasury,
        SlashReason reason
    );
    /// @notice The budget went back to the consumer.
    event JobRefunded(bytes32 indexed jobId, address indexed consumer, uint256 amount, RefundReason reason);
    /// @notice A batch entry was skipped because the job had already left a settleable status.
    event SettlementSkipped(bytes32 indexed jobId, Status status);
    /// @notice A settled job's money was credited: provider `providerPay`, consumer
    /// `consumerRefund`; the provider's collateral was unlocked.
    event JobPaidOut(bytes32 indexed jobId, address indexed provider, uint256 providerPay, uint256 consumerRefund);
    /// @notice `account` pulled `amount` it was owed.
    event Claimed(address indexed account, uint256 amount);
    /// @notice Accrued protocol fees were paid to the treasury.
    event FeesCollected(address indexed treasury, uint256 amount);
    /// @notice Accrued burns were burnt.
    event CreditsBurnt(uint256 amount);

    /// @notice Lock `terms.budget` (approved beforehand) and open the job. Caller is the consumer.
    function open(JobTerms calldata terms) external returns (bytes32 jobId);

    /// @notice `open` with an ERC-2612 permit for the budget, in one transaction.
    function openWithPermit(JobTerms calldata terms, uint256 permitDeadline, uint8 v, bytes32 r, bytes32 s)
        external
        returns (bytes32 jobId);

    /// @notice Open and accept in one transaction: `acceptance` is the provider's EIP-712
    /// signature over Acceptance(jobId) (see `acceptanceDigest`), given off chain with its quote.
    /// Caller is the consumer, who approved `terms.budget` beforehand; the collateral is locked.
    /// @param terms the job's terms, exactly as the provider signed them (their hash is the job id)
    /// @param acceptance the provider's 65-byte signature (r, s, v) over `acceptanceDigest(jobId)`
    function openAccepted(JobTerms calldata terms, bytes calldata acceptance) external returns (bytes32 jobId);

    /// @notice `openAccepted` with an ERC-2612 permit for the budget: no approval beforehand.
    /// @param terms the job's terms, exactly as the provider signed them
    /// @param acceptance the provider's signature over `acceptanceDigest(jobId)`
    /// @param permitDeadline the permit's deadline
    /// @param v the permit signature's v
    /// @param r the permit signature's r
    /// @param s the permit signature's s
    function openAcceptedWithPermit(
        JobTerms calldata terms,
        bytes calldata acceptance,
        uint256 permitDeadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external returns (bytes32 jobId);

    /// @notice The consumer takes back the budget of a job nobody accepted yet.
    function cancel(JobTerms calldata terms) external;

    /// @notice Refund the consumer of a job that was not accepted in time. Anyone may call.
    function refund(JobTerms calldata terms) external;

    /// @notice The named provider accepts before `acceptDeadline`; its collateral is locked.
    function accept(JobTerms calldata terms) external;

    /// @notice The provider commits to a result on chain, starting the dispute window (optimistic path).
    function submitReceipt(JobTerms calldata terms, bytes32 resultHash, uint64 units) external;

    /// @notice The consumer disputes a receipt inside the dispute window, posting the dispute
    /// bond (`disputeBondFor(budget)`, approved beforehand). Committee members do not dispute
    /// alone: k of them settle a delivered job with a verdict directly.
    /// @param terms the job's terms
    function dispute(JobTerms calldata terms) external;

    /// @notice Settle one job with a verdict signed by at least k committee members.
    function settle(JobTerms calldata terms, Verdict calldata verdict, bytes calldata signatures) external;

    /// @notice `settle`, and for a release also what `payOut` does for this job (credit provider
    /// and consumer, accrue fee and burn, unlock the collateral), in one transaction: the
    /// single-job path in one step. A later `payOut` of the job skips it.
    /// @param terms the job's terms
    /// @param verdict the verdict, signed by at least k members
    /// @param signatures 65-byte signatures, ascending by signer
    function settleAndPayOut(JobTerms calldata terms, Verdict calldata verdict, bytes calldata signatures) external;

    /// @notice Settle many jobs under one set of committee signatures over a VerdictBatch.
    /// Entries whose job is no longer settleable are skipped (SettlementSkipped), not reverted;
    /// an entry for a job that was never opened reverts with UnknownJob.
    function settleBatch(Settlement[] calldata settlements, uint64 epoch, bytes calldata signatures) external;

    /// @notice Settle a delivered job as its receipt said: undisputed after the dispute window, or
    /// disputed without a verdict within the verdict window of the dispute (the bond then goes to
    /// the provider). Anyone may call.
    function finalize(JobTerms calldata terms) external;

    /// @notice Slash a provider that accepted but delivered nothing by `deadline` plus the
    /// dispute window (the grace for verdicts in flight). Anyone may call.
    function slashNonDelivery(JobTerms calldata terms) external;

    /// @notice Credit the money of settled (released) jobs to their providers and consumers,
    /// accrue fees and burns, and unlock the collateral. Anyone may call; jobs already paid out
    /// are skipped, so racing callers cannot make a batch fail.
    /// @return paid how many jobs were paid out by this call
    function payOut(JobTerms[] calldata terms) external returns (uint256 paid);

    /// @notice Pull everything the escrow owes the caller.
    function claim() external returns (uint256 amount);

    /// @notice Pay accrued protocol fees to the treasury. Anyone may call.
    function collectFees() external returns (uint256 amount);

    /// @notice Burn accrued burns. Anyone may call.
    function burnAccrued() external returns (uint256 amount);

    /// @notice A job's slot.
    function jobs(bytes32 jobId) external view returns (Status status, uint40 deliveredAt, uint64 units, bool paidOut);

    /// @notice When the job was disputed (zero if it never was); the verdict window counts from it.
    function disputedAt(bytes32 jobId) external view returns (uint256);

    /// @notice The result hash committed on chain by `submitReceipt` (zero otherwise).
    function committedResult(bytes32 jobId) external view returns (bytes32);

    /// @notice What the escrow owes `account`.
    function claimable(address account) external view returns (uint256);

    /// @notice Fees and burns accrued and not yet collected or burnt.
    function accrued() external view returns (uint128 fees, uint128 burns);

    /// @notice The id of `terms`.
    function jobIdOf(JobTerms calldata terms) external pure returns (bytes32);

    /// @notice Dispute bond for a budget: ceil(budget * disputeBondBps / 10_000).
    function disputeBondFor(uint256 budget) external view returns (uint256);

    /// @notice Most a consumer is compensated on a fault: budget * compensationCapBps / 10_000
    /// (and never more than the slashed collateral).
    function compensationCapFor(uint256 budget) external view returns (uint256);

    /// @notice EIP-712 digest a provider signs to accept the job `jobId` (for `openAccepted`).
    function acceptanceDigest(bytes32 jobId) external view returns (bytes32);

    /// @notice Collateral locked for a budget: ceil(budget * collateralBps / 10_000).
    function collateralFor(uint256 budget) external view returns (uint256);

    /// @notice EIP-712 digest of a single-job verdict.
    function verdictDigest(Verdict calldata verdict) external view returns (bytes32);

    /// @notice EIP-712 digest of a batch verdict.
    function verdictBatchDigest(VerdictItem[] calldata items, uint64 epoch) external view returns (bytes32);

    /// @notice EIP-712 digest of a provider receipt.
    function receiptDigest(Receipt calldata receipt) external view returns (bytes32);
}
