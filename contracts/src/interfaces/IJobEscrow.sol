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

    /// @notice What a verdict decides. Verdicts carry it as a uint8 (the EIP-712 type is
    /// `uint8 outcome`), so an out-of-range byte gets `InvalidOutcome` rather than a bare
    /// ABI-decoder revert; the escrow converts it to this enum once, after the range check.
    enum Outcome {
        None,
        Release,
        Fault
    }

    /// @notice A constructor parameter, named in configuration errors.
    enum EscrowParam {
        Credit,
        Staking,
        Committee,
        Treasury,
        FeePlusBurn,
        Collateral,
        SlashBurn,
        DisputeBond,
        CompensationCap,
        DisputeWindow,
        VerdictWindow
    }

    /// @notice One job's outcome: `outcome` is an `Outcome` (1 = release `units`, 2 = fault).
    struct VerdictItem {
        bytes32 jobId;
        uint8 outcome;
        uint64 units;
        bytes32 resultHash;
    }

    /// @notice A single job's verdict under committee epoch `epoch`; `outcome` as in VerdictItem.
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
    /// @param caller who called
    /// @param consumer the job's consumer
    error NotConsumer(address caller, address consumer);
    /// @notice The caller is not the job's provider.
    /// @param caller who called
    /// @param provider the job's provider
    error NotProvider(address caller, address provider);
    /// @notice The provider's acceptance signature does not recover to the job's provider.
    /// @param signer the address the acceptance recovered to
    /// @param provider the job's provider
    error InvalidAcceptance(address signer, address provider);
    /// @notice budget / pricePerUnit units do not fit the uint64 that receipts and verdicts carry.
    /// @param maxUnits budget / pricePerUnit
    /// @param limit the uint64 maximum
    error TooManyUnits(uint256 maxUnits, uint256 limit);
    /// @notice A window parameter (dispute or verdict window) of zero.
    /// @param param which window
    error ZeroWindow(EscrowParam param);
    /// @notice A basis-point parameter below its floor.
    /// @param param which parameter
    /// @param bps the value given
    /// @param minBps the floor
    error BpsTooLow(EscrowParam param, uint256 bps, uint256 minBps);
    /// @notice The staking contract slashed another amount than the locked collateral.
    /// @param expected the job's collateral
    /// @param slashed what staking took
    error SlashMismatch(uint256 expected, uint256 slashed);
    /// @notice Budget zero, or price zero or above the budget (not even one unit).
    /// @param pricePerUnit the terms' price per unit
    /// @param budget the terms' budget
    error InvalidPrice(uint256 pricePerUnit, uint256 budget);
    /// @notice Deadlines must satisfy now < acceptDeadline <= deadline <= now + maxJobDuration.
    /// @param acceptDeadline the terms' accept deadline
    /// @param deadline the terms' delivery deadline
    /// @param nowTime the block time
    /// @param maxJobDuration the longest allowed time from open to deadline
    error InvalidDeadlines(uint256 acceptDeadline, uint256 deadline, uint256 nowTime, uint256 maxJobDuration);
    /// @notice The provider is address(0) or the consumer itself.
    /// @param provider the terms' provider
    error InvalidProvider(address provider);
    /// @notice A job with these terms exists already (pick another salt).
    /// @param jobId the terms' id
    error JobExists(bytes32 jobId);
    /// @notice No job has these terms.
    /// @param jobId the terms' id
    error UnknownJob(bytes32 jobId);
    /// @notice The job is not in a status that allows this call.
    /// @param jobId the job
    /// @param status its status now
    error WrongStatus(bytes32 jobId, Status status);
    /// @notice The action's time has passed; `limit` is the last second it was allowed.
    /// @param jobId the job
    /// @param limit the last second the action was allowed
    /// @param nowTime the block time
    error TooLate(bytes32 jobId, uint256 limit, uint256 nowTime);
    /// @notice The action's time has not come; `availableAt` is the first second it is allowed.
    /// @param jobId the job
    /// @param availableAt the first second the action is allowed
    /// @param nowTime the block time
    error TooEarly(bytes32 jobId, uint256 availableAt, uint256 nowTime);
    /// @notice More units than the budget pays for.
    /// @param jobId the job
    /// @param units the units claimed or decided
    /// @param maxUnits budget / pricePerUnit
    error UnitsExceedMax(bytes32 jobId, uint256 units, uint256 maxUnits);
    /// @notice A receipt with zero units.
    /// @param jobId the job
    error ZeroUnits(bytes32 jobId);
    /// @notice The verdict names another job than the terms.
    /// @param termsJobId the id of the terms given
    /// @param verdictJobId the job the verdict names
    error VerdictJobMismatch(bytes32 termsJobId, bytes32 verdictJobId);
    /// @notice Outcome is neither 1 (release) nor 2 (fault).
    /// @param jobId the job
    /// @param outcome the byte the verdict carried
    error InvalidOutcome(bytes32 jobId, uint8 outcome);
    /// @notice A batch with no entries.
    error EmptyBatch();
    /// @notice `payOut` was given a job that is not settled as a release.
    /// @param jobId the job
    /// @param status its status now
    error NotSettled(bytes32 jobId, Status status);
    /// @notice Nothing is owed to the caller.
    /// @param account who would have been paid (the treasury for fees, address(0) for burns)
    error NothingToClaim(address account);
    /// @notice A basis-point parameter above its cap.
    /// @param param which parameter
    /// @param bps the value given
    /// @param maxBps the cap
    error BpsTooHigh(EscrowParam param, uint256 bps, uint256 maxBps);
    /// @notice The staking unbonding delay must outlast every window in which a slash can come.
    /// @param unbondingDelay the staking contract's delay
    /// @param required maxJobDuration + disputeWindow + verdictWindow (the delay must exceed it)
    error UnbondingTooShort(uint256 unbondingDelay, uint256 required);
    /// @notice A constructor address is zero.
    /// @param param which address
    error ZeroAddress(EscrowParam param);

    /// @notice A consumer locked `terms.budget` for a job.
    /// @param jobId the job
    /// @param consumer who opened it
    /// @param provider who is to run it
    /// @param terms the whole terms (they are not stored: callers pass them back)
    event JobOpened(bytes32 indexed jobId, address indexed consumer, address indexed provider, JobTerms terms);
    /// @notice The provider accepted and `collateral` of its stake was locked.
    /// @param jobId the job
    /// @param provider who accepted
    /// @param collateral stake locked for the job
    event JobAccepted(bytes32 indexed jobId, address indexed provider, uint256 collateral);
    /// @notice The provider committed to a result on chain; the dispute window started.
    /// @param jobId the job
    /// @param resultHash the result committed to
    /// @param units the units claimed
    event ReceiptSubmitted(bytes32 indexed jobId, bytes32 resultHash, uint256 units);
    /// @notice `by` (the consumer) disputed the receipt and posted `bond`; a verdict settles the
    /// job now, or, after the verdict window, `finalize` settles it as the receipt said.
    /// @param jobId the job
    /// @param by who disputed (the consumer)
    /// @param bond the bond posted
    event JobDisputed(bytes32 indexed jobId, address indexed by, uint256 bond);
    /// @notice A dispute bond went to `to`: the consumer when a fault was proven, else the provider.
    /// @param jobId the job
    /// @param to who was credited the bond
    /// @param amount the bond
    /// @param faultProven whether the verdict proved a fault (fault, or fewer units than claimed)
    event DisputeBondReleased(bytes32 indexed jobId, address indexed to, uint256 amount, bool faultProven);
    /// @notice The job was settled as a release of `units`: `payOut` will credit the provider
    /// `providerPay` and the consumer `consumerRefund`, and accrue `fee` and `burn`.
    /// @param jobId the job
    /// @param units the units released
    /// @param providerPay units x price less fee and burn
    /// @param consumerRefund budget less units x price
    /// @param fee the protocol fee
    /// @param burn the protocol burn
    /// @param resultHash the result the verdict (or receipt) named
    /// @param optimistic whether it settled by `finalize` (no verdict)
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
    /// @param jobId the job
    /// @param provider who was slashed
    /// @param slashed the collateral taken
    /// @param compensation the part credited to the consumer
    /// @param burnt the part accrued for burning
    /// @param toTreasury the part accrued for the treasury
    /// @param reason a fault verdict or non-delivery
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
    /// @param jobId the job
    /// @param consumer who was credited
    /// @param amount the budget
    /// @param reason cancelled, or not accepted in time
    event JobRefunded(bytes32 indexed jobId, address indexed consumer, uint256 amount, RefundReason reason);
    /// @notice A batch entry was skipped because the job had already left a settleable status.
    /// @param jobId the job
    /// @param status its status when the batch came
    event SettlementSkipped(bytes32 indexed jobId, Status status);
    /// @notice A settled job's money was credited: provider `providerPay`, consumer
    /// `consumerRefund`; the provider's collateral was unlocked.
    /// @param jobId the job
    /// @param provider who was credited `providerPay`
    /// @param providerPay credited to the provider
    /// @param consumerRefund credited to the consumer
    event JobPaidOut(bytes32 indexed jobId, address indexed provider, uint256 providerPay, uint256 consumerRefund);
    /// @notice `account` pulled `amount` it was owed.
    /// @param account who was paid
    /// @param amount credit wei paid
    event Claimed(address indexed account, uint256 amount);
    /// @notice Accrued protocol fees were paid to the treasury.
    /// @param treasury who was paid
    /// @param amount credit wei paid
    event FeesCollected(address indexed treasury, uint256 amount);
    /// @notice Accrued burns were burnt.
    /// @param amount credit wei burnt
    event CreditsBurnt(uint256 amount);

    /// @notice Lock `terms.budget` (approved beforehand) and open the job. Caller is the consumer.
    /// @param terms the job's terms (their hash is the job id)
    /// @return jobId keccak256(abi.encode(terms))
    function open(JobTerms calldata terms) external returns (bytes32 jobId);

    /// @notice `open` with an ERC-2612 permit for the budget, in one transaction.
    /// @param terms the job's terms
    /// @param permitDeadline the permit's deadline
    /// @param v the permit signature's v
    /// @param r the permit signature's r
    /// @param s the permit signature's s
    /// @return jobId keccak256(abi.encode(terms))
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
    /// @param terms the job's terms
    function cancel(JobTerms calldata terms) external;

    /// @notice Refund the consumer of a job that was not accepted in time. Anyone may call.
    /// @param terms the job's terms
    function refund(JobTerms calldata terms) external;

    /// @notice The named provider accepts before `acceptDeadline`; its collateral is locked.
    /// @param terms the job's terms
    function accept(JobTerms calldata terms) external;

    /// @notice The provider commits to a result on chain, starting the dispute window (optimistic path).
    /// @param terms the job's terms
    /// @param resultHash the result's hash
    /// @param units units used, 1..budget / pricePerUnit
    function submitReceipt(JobTerms calldata terms, bytes32 resultHash, uint64 units) external;

    /// @notice The consumer disputes a receipt inside the dispute window, posting the dispute
    /// bond (`disputeBondFor(budget)`, approved beforehand). Committee members do not dispute
    /// alone: k of them settle a delivered job with a verdict directly.
    /// @param terms the job's terms
    function dispute(JobTerms calldata terms) external;

    /// @notice Settle one job with a verdict signed by at least k committee members.
    /// @param terms the job's terms
    /// @param verdict the verdict, signed by at least k members
    /// @param signatures 65-byte signatures, ascending by signer
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
    /// @param settlements each job's terms and its outcome
    /// @param epoch the committee epoch the batch was signed under
    /// @param signatures 65-byte signatures over `verdictBatchDigest`, ascending by signer
    function settleBatch(Settlement[] calldata settlements, uint64 epoch, bytes calldata signatures) external;

    /// @notice Settle a delivered job as its receipt said: undisputed after the dispute window, or
    /// disputed without a verdict within the verdict window of the dispute (the bond then goes to
    /// the provider). Anyone may call.
    /// @param terms the job's terms
    function finalize(JobTerms calldata terms) external;

    /// @notice Slash a provider that accepted but delivered nothing by `deadline` plus the
    /// dispute window (the grace for verdicts in flight). Anyone may call.
    /// @param terms the job's terms
    function slashNonDelivery(JobTerms calldata terms) external;

    /// @notice Credit the money of settled (released) jobs to their providers and consumers,
    /// accrue fees and burns, and unlock the collateral. Anyone may call; jobs already paid out
    /// are skipped, so racing callers cannot make a batch fail.
    /// @param terms the jobs' terms, in any order; a provider's consecutive jobs unlock once
    /// @return paid how many jobs were paid out by this call
    function payOut(JobTerms[] calldata terms) external returns (uint256 paid);

    /// @notice Pull everything the escrow owes the caller.
    /// @return amount credit wei paid
    function claim() external returns (uint256 amount);

    /// @notice Pay accrued protocol fees to the treasury. Anyone may call.
    /// @return amount credit wei paid
    function collectFees() external returns (uint256 amount);

    /// @notice Burn accrued burns. Anyone may call.
    /// @return amount credit wei burnt
    function burnAccrued() external returns (uint256 amount);

    /// @notice A job's slot.
    /// @param jobId the job
    function jobs(bytes32 jobId) external view returns (Status status, uint40 deliveredAt, uint64 units, bool paidOut);

    /// @notice When the job was disputed (zero if it never was); the verdict window counts from it.
    /// @param jobId the job
    function disputedAt(bytes32 jobId) external view returns (uint256);

    /// @notice The result hash committed on chain by `submitReceipt` (zero otherwise).
    /// @param jobId the job
    function committedResult(bytes32 jobId) external view returns (bytes32);

    /// @notice What the escrow owes `account`.
    /// @param account the account
    function claimable(address account) external view returns (uint256);

    /// @notice Fees and burns accrued and not yet collected or burnt.
    function accrued() external view returns (uint128 fees, uint128 burns);

    /// @notice The id of `terms`.
    /// @param terms the job's terms
    function jobIdOf(JobTerms calldata terms) external pure returns (bytes32);

    /// @notice Dispute bond for a budget: ceil(budget * disputeBondBps / 10_000).
    /// @param budget the job's budget
    function disputeBondFor(uint256 budget) external view returns (uint256);

    /// @notice Most a consumer is compensated on a fault: budget * compensationCapBps / 10_000
    /// (and never more than the slashed collateral).
    /// @param budget the job's budget
    function compensationCapFor(uint256 budget) external view returns (uint256);

    /// @notice EIP-712 digest a provider signs to accept the job `jobId` (for `openAccepted`).
    /// @param jobId the job's id (of the exact terms)
    function acceptanceDigest(bytes32 jobId) external view returns (bytes32);

    /// @notice Collateral locked for a budget: ceil(budget * collateralBps / 10_000).
    /// @param budget the job's budget
    function collateralFor(uint256 budget) external view returns (uint256);

    /// @notice EIP-712 digest of a single-job verdict.
    /// @param verdict the verdict
    function verdictDigest(Verdict calldata verdict) external view returns (bytes32);

    /// @notice EIP-712 digest of a batch verdict.
    /// @param items each job's outcome, in batch order
    /// @param epoch the committee epoch
    function verdictBatchDigest(VerdictItem[] calldata items, uint64 epoch) external view returns (bytes32);

    /// @notice EIP-712 digest of a provider receipt.
    /// @param receipt the receipt
    function receiptDigest(Receipt calldata receipt) external view returns (bytes32);
}
