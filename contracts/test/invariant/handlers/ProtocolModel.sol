// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {StakerActions} from "./StakerActions.sol";
import {StakeModel} from "./StakeModel.sol";
import {CreditSale} from "../../../src/CreditSale.sol";
import {GPUCredit} from "../../../src/GPUCredit.sol";
import {JobEscrow} from "../../../src/JobEscrow.sol";
import {OracleCommittee} from "../../../src/OracleCommittee.sol";
import {ProviderStaking} from "../../../src/ProviderStaking.sol";
import {IJobEscrow} from "../../../src/interfaces/IJobEscrow.sol";

/// @notice The ghost state of the whole protocol: every job's expected status, every account's
/// expected claimable balance and stake, and the running sums the conservation invariants
/// add up. Written from design.md §2 and the interfaces; handlers apply each successful call
/// to it, the invariants compare it with the contracts. A release moves money in two steps:
/// settlement only records the outcome, payOut credits the parties and unlocks collateral.
abstract contract ProtocolModel is StakerActions {
    using StakeModel for StakeModel.Account;

    struct Deployment {
        CreditSale sale;
        ProviderStaking staking;
        OracleCommittee committee;
        JobEscrow escrow;
        address admin;
        address treasury;
        uint256[] oracleKeys;
    }

    struct GhostJob {
        IJobEscrow.JobTerms terms;
        bytes32 id;
        IJobEscrow.Status status; // what the model expects
        IJobEscrow.Status lastSeen; // what the contract showed after the last action
        uint40 deliveredAt;
        uint64 units;
        bytes32 committed;
        uint8 terminalEntries;
        bool paidOut; // a Settled job's money was moved by payOut (one-way)
        bool lastSeenPaidOut;
        uint40 disputedAt; // when the consumer disputed (its bond is in the escrow until resolved)
        bool bondOpen;
    }

    /// @notice Escrow side of conservation: deposited = locked + released + refunded + fees + burnt;
    /// slashed stake that arrived = compensation + slash fees + slash burns. `locked` holds the
    /// budgets of live jobs and of Settled jobs not yet paid out (`awaitingPayout` of it).
    struct EscrowLedger {
        uint256 deposited;
        uint256 locked;
        uint256 awaitingPayout;
        uint256 released;
        uint256 refunded;
        uint256 fees;
        uint256 burnt;
        uint256 slashedIn;
        uint256 compensation;
        uint256 slashToTreasury;
        uint256 slashBurnt;
        uint256 claimed;
        uint256 feesCollected;
        uint256 burnsDone;
        uint256 accruedFees;
        uint256 accruedBurns;
        // dispute bonds: in = held + to the provider (no fault proven) + back to the consumer
        uint256 bondsIn;
        uint256 bondsHeld;
        uint256 bondsToProvider;
        uint256 bondsToConsumer;
    }

    struct CreditLedger {
        uint256 reserveIn;
        uint256 reserveOut;
        uint256 spreadIn;
        uint256 spreadOut;
        uint256 minted;
        uint256 redeemed;
        uint256 burnt;
    }

    struct SafetyLedger {
        uint256 transitionViolations;
        uint256 doubleSettlements;
        uint256 zeroSlashes;
        uint256 slashesOverStake;
        uint256 forgedAttempts;
        uint256 forgedSuccesses;
        uint256 validSettlements;
        uint256 batchApplied;
        uint256 batchSkipped;
        // payOut (an entry paid, skipped as already paid, or a call refused as predicted)
        uint256 payOutPaid;
        uint256 payOutSkipped;
        uint256 payOutUnknown;
        uint256 payOutNotSettled;
        // a paidOut flag that was reset or set on a job that is not Settled
        uint256 paidOutViolations;
        // dispute outcomes: bonds won by the provider, returned on a fault, timeouts
        uint256 disputesUpheld;
        uint256 disputesRejected;
        uint256 disputeTimeouts;
        // verdicts signed before a committee change and settled after it (signers still members)
        uint256 verdictsAcrossChanges;
        uint256 verdictsRefusedAfterChange;
    }

    uint256 internal constant BPS = 10_000;
    uint256 internal constant MAX_JOBS = 40;

    CreditSale public sale;
    GPUCredit public gpuc;
    ProviderStaking public staking;
    OracleCommittee public committee;
    JobEscrow public escrow;
    // The escrow's parameters are immutable: read once here, not on every model step and pick.
    uint256 internal immutable _disputeWindow;
    uint256 internal immutable _verdictWindow;
    uint256 internal immutable _collateralBps;
    uint256 internal immutable _feeBps;
    uint256 internal immutable _burnBps;
    uint256 internal immutable _disputeBondBps;
    uint256 internal immutable _compensationCapBps;
    uint256 internal immutable _slashBurnBps;
    address public admin;
    address public treasury;

    address[] internal _consumers;
    address[] internal _providers;
    address[] internal _strangers;
    address[] internal _oracles;
    address[] internal _actors;
    address[] internal _accounts;
    address[] internal _holders;
    mapping(address account => bool) internal _isHolder;
    mapping(address account => uint256) internal _keyOf;

    // committee model
    mapping(address oracle => bool) public ghostMember;
    uint256 public ghostThreshold;
    uint256 public ghostMemberCount;
    uint64 public ghostEpoch;

    GhostJob[] internal _jobs;
    mapping(address account => uint256) public ghostClaimable;
    mapping(address account => StakeModel.Account) internal _stakes;
    EscrowLedger internal _ledger;
    CreditLedger internal _credit;
    SafetyLedger internal _safety;
    mapping(uint256 mode => uint256) public forgedAttemptsByMode;
    uint256 internal _salt;

    constructor(Deployment memory d) {
        sale = d.sale;
        gpuc = GPUCredit(address(d.sale.credit()));
        staking = d.staking;
        committee = d.committee;
        escrow = d.escrow;
        _disputeWindow = d.escrow.disputeWindow();
        _verdictWindow = d.escrow.verdictWindow();
        _collateralBps = d.escrow.collateralBps();
        _feeBps = d.escrow.feeBps();
        _burnBps = d.escrow.burnBps();
        _disputeBondBps = d.escrow.disputeBondBps();
        _compensationCapBps = d.escrow.compensationCapBps();
        _slashBurnBps = d.escrow.slashBurnBps();
        admin = d.admin;
        treasury = d.treasury;
        for (uint256 i = 0; i < 4; ++i) {
            _newActor(_consumers, string.concat("inv.consumer", vm.toString(i)));
        }
        for (uint256 i = 0; i < 3; ++i) {
            _newActor(_providers, string.concat("inv.provider", vm.toString(i)));
        }
        for (uint256 i = 0; i < 2; ++i) {
            _newActor(_strangers, string.concat("inv.stranger", vm.toString(i)));
        }
        for (uint256 i = 0; i < d.oracleKeys.length; ++i) {
            address o = vm.addr(d.oracleKeys[i]);
            _keyOf[o] = d.oracleKeys[i];
            _oracles.push(o);
            _actors.push(o);
            if (committee.isMember(o)) {
                ghostMember[o] = true;
                ++ghostMemberCount;
            }
        }
        ghostThreshold = committee.threshold();
        ghostEpoch = committee.epoch();
        for (uint256 i = 0; i < _actors.length; ++i) {
            _accounts.push(_actors[i]);
        }
        _accounts.push(treasury);
        _accounts.push(admin);
        for (uint256 i = 0; i < _accounts.length; ++i) {
            _addHolder(_accounts[i]);
        }
        _addHolder(address(escrow));
        _addHolder(address(staking));
        _addHolder(address(sale));
        _addHolder(address(this));
    }

    function _newActor(address[] storage group, string memory name) private {
        (address a, uint256 key) = _actor(name);
        _keyOf[a] = key;
        group.push(a);
        _actors.push(a);
    }

    function _addHolder(address a) internal {
        if (_isHolder[a]) return;
        _isHolder[a] = true;
        _holders.push(a);
    }

    // ------------------------------------------------------------------ job model

    function _settleable(IJobEscrow.Status s) internal pure returns (bool) {
        return s == IJobEscrow.Status.Accepted || s == IJobEscrow.Status.Delivered || s == IJobEscrow.Status.Disputed;
    }

    function _active(IJobEscrow.Status s) internal pure returns (bool) {
        return s == IJobEscrow.Status.Open || _settleable(s);
    }

    function _terminal(IJobEscrow.Status s) internal pure returns (bool) {
        return s == IJobEscrow.Status.Settled || s == IJobEscrow.Status.Slashed || s == IJobEscrow.Status.Refunded;
    }

    /// @notice design.md §2's lifecycle, plus a verdict on an Accepted job (the oracles judge a
    /// receipt they got off-chain; JobEscrow.settle allows it).
    function _allowed(IJobEscrow.Status from, IJobEscrow.Status to) internal pure returns (bool) {
        // openAccepted opens and accepts in one transaction
        if (from == IJobEscrow.Status.None) return to == IJobEscrow.Status.Open || to == IJobEscrow.Status.Accepted;
        if (from == IJobEscrow.Status.Open) {
            return to == IJobEscrow.Status.Accepted || to == IJobEscrow.Status.Refunded;
        }
        if (from == IJobEscrow.Status.Accepted) {
            return
                to == IJobEscrow.Status.Delivered || to == IJobEscrow.Status.Settled || to == IJobEscrow.Status.Slashed;
        }
        if (from == IJobEscrow.Status.Delivered) {
            return
                to == IJobEscrow.Status.Disputed || to == IJobEscrow.Status.Settled || to == IJobEscrow.Status.Slashed;
        }
        if (from == IJobEscrow.Status.Disputed) {
            // a dispute ends by verdict or, after the verdict window, as the receipt said: never a refund
            return to == IJobEscrow.Status.Settled || to == IJobEscrow.Status.Slashed;
        }
        return false; // terminal states never move
    }

    function _collateral(uint256 budget) internal view returns (uint256) {
        return (budget * _collateralBps + BPS - 1) / BPS;
    }

    function _maxUnits(GhostJob storage j) internal view returns (uint256) {
        return uint256(j.terms.budget) / j.terms.pricePerUnit;
    }

    function _modelOpen(IJobEscrow.JobTerms memory t, bytes32 id) internal {
        GhostJob storage j = _jobs.push();
        j.terms = t;
        j.id = id;
        j.status = IJobEscrow.Status.Open;
        _ledger.deposited += t.budget;
        _ledger.locked += t.budget;
    }

    function _bond(uint256 budget) internal view returns (uint256) {
        return (budget * _disputeBondBps + BPS - 1) / BPS;
    }

    function _modelDispute(GhostJob storage j) internal {
        j.status = IJobEscrow.Status.Disputed;
        j.disputedAt = uint40(block.timestamp);
        j.bondOpen = true;
        uint256 bond = _bond(j.terms.budget);
        _ledger.bondsIn += bond;
        _ledger.bondsHeld += bond;
    }

    /// @notice The bond of a resolved dispute: back to the consumer if a fault was proven (fault
    /// verdict, or fewer units than the receipt claimed), else the provider's.
    function _modelBond(GhostJob storage j, bool faultProven) internal {
        if (!j.bondOpen) return;
        j.bondOpen = false;
        uint256 bond = _bond(j.terms.budget);
        _ledger.bondsHeld -= bond;
        if (faultProven) {
            ghostClaimable[j.terms.consumer] += bond;
            _ledger.bondsToConsumer += bond;
            ++_safety.disputesUpheld;
        } else {
            ghostClaimable[j.terms.provider] += bond;
            _ledger.bondsToProvider += bond;
            ++_safety.disputesRejected;
        }
    }

    function _modelAccept(GhostJob storage j) internal {
        j.status = IJobEscrow.Status.Accepted;
        _stakes[j.terms.provider].lock(_collateral(j.terms.budget));
    }

    function _modelRefund(GhostJob storage j, bool unlockCollateral) internal {
        j.status = IJobEscrow.Status.Refunded;
        ghostClaimable[j.terms.consumer] += j.terms.budget;
        _ledger.locked -= j.terms.budget;
        _ledger.refunded += j.terms.budget;
        if (unlockCollateral) _stakes[j.terms.provider].unlock(_collateral(j.terms.budget));
    }

    /// @notice Settled as a release of `units`: only the outcome is recorded. The budget stays
    /// in the escrow and the collateral locked until payOut.
    function _modelRelease(GhostJob storage j, uint256 units) internal {
        j.status = IJobEscrow.Status.Settled;
        j.units = uint64(units);
        j.committed = bytes32(0);
        _ledger.awaitingPayout += j.terms.budget;
    }

    /// @notice Paid out: provider gets units x price less fee and burn, consumer the rest, the
    /// fee and burn accrue and the collateral is unlocked. Once per job.
    function _modelPayOut(GhostJob storage j) internal {
        j.paidOut = true;
        uint256 pay = uint256(j.units) * j.terms.pricePerUnit;
        uint256 fee = pay * _feeBps / BPS;
        uint256 burn = pay * _burnBps / BPS;
        uint256 back = j.terms.budget - pay;
        ghostClaimable[j.terms.provider] += pay - fee - burn;
        ghostClaimable[j.terms.consumer] += back;
        _ledger.locked -= j.terms.budget;
        _ledger.awaitingPayout -= j.terms.budget;
        _ledger.released += pay - fee - burn;
        _ledger.refunded += back;
        _ledger.fees += fee;
        _ledger.burnt += burn;
        _ledger.accruedFees += fee;
        _ledger.accruedBurns += burn;
        _stakes[j.terms.provider].unlock(_collateral(j.terms.budget));
    }

    /// @notice Slashed: the consumer gets the whole budget back plus compensation from the
    /// provider's collateral, up to budget x compensationCapBps; the rest of the slash is burnt
    /// or goes to the treasury.
    function _modelSlash(GhostJob storage j) internal {
        j.status = IJobEscrow.Status.Slashed;
        j.committed = bytes32(0);
        uint256 collateral = _collateral(j.terms.budget);
        StakeModel.Account storage s = _stakes[j.terms.provider];
        uint256 stakeBefore = s.total();
        uint256 slashed = s.slash(collateral, collateral).total;
        if (slashed > stakeBefore) ++_safety.slashesOverStake;
        if (slashed == 0 && collateral != 0) ++_safety.zeroSlashes;
        uint256 cap = uint256(j.terms.budget) * _compensationCapBps / BPS;
        uint256 compensation = slashed < cap ? slashed : cap;
        uint256 rest = slashed - compensation;
        uint256 burnt = rest * _slashBurnBps / BPS;
        ghostClaimable[j.terms.consumer] += uint256(j.terms.budget) + compensation;
        _ledger.locked -= j.terms.budget;
        _ledger.refunded += j.terms.budget;
        _ledger.slashedIn += slashed;
        _ledger.compensation += compensation;
        _ledger.slashToTreasury += rest - burnt;
        _ledger.slashBurnt += burnt;
        _ledger.accruedFees += rest - burnt;
        _ledger.accruedBurns += burnt;
    }

    function _modelVerdict(GhostJob storage j, uint8 outcome, uint256 units) internal {
        uint256 claimed = j.units;
        if (outcome == 1) _modelRelease(j, units);
        else _modelSlash(j);
        _modelBond(j, outcome != 1 || units < claimed);
    }

    /// @notice After every action: each job's on-chain status may only have moved along an
    /// allowed edge since it was last seen, and may enter a terminal status once; the paidOut
    /// flag is only ever set on a Settled job and never cleared.
    function _observe() internal {
        for (uint256 i = 0; i < _jobs.length; ++i) {
            GhostJob storage j = _jobs[i];
            (IJobEscrow.Status st,,, bool paidOut) = escrow.jobs(j.id);
            if (paidOut != j.lastSeenPaidOut) {
                if (!paidOut || st != IJobEscrow.Status.Settled) ++_safety.paidOutViolations;
                j.lastSeenPaidOut = paidOut;
            } else if (paidOut && st != IJobEscrow.Status.Settled) {
                ++_safety.paidOutViolations;
            }
            if (st == j.lastSeen) continue;
            if (!_allowed(j.lastSeen, st)) ++_safety.transitionViolations;
            if (_terminal(st)) {
                ++j.terminalEntries;
                if (j.terminalEntries > 1) ++_safety.doubleSettlements;
            }
            j.lastSeen = st;
        }
    }

    // ------------------------------------------------------------------ views for the invariants

    function jobCount() external view returns (uint256) {
        return _jobs.length;
    }

    function job(uint256 i) external view returns (GhostJob memory) {
        return _jobs[i];
    }

    /// @notice Every ghost job in one call (the invariants read them once per check).
    function allJobs() external view returns (GhostJob[] memory) {
        return _jobs;
    }

    /// @notice The stake model of every account, in `accounts()` order.
    function stakeGhosts() external view returns (StakeModel.Account[] memory gs) {
        gs = new StakeModel.Account[](_accounts.length);
        for (uint256 i = 0; i < _accounts.length; ++i) {
            gs[i] = _stakes[_accounts[i]];
        }
    }

    /// @notice What the model says the escrow owes every account, in `accounts()` order.
    function ghostClaimables() external view returns (uint256[] memory owed) {
        owed = new uint256[](_accounts.length);
        for (uint256 i = 0; i < _accounts.length; ++i) {
            owed[i] = ghostClaimable[_accounts[i]];
        }
    }

    function escrowLedger() external view returns (EscrowLedger memory) {
        return _ledger;
    }

    function creditLedger() external view returns (CreditLedger memory) {
        return _credit;
    }

    function safetyLedger() external view returns (SafetyLedger memory) {
        return _safety;
    }

    function stakeGhost(address account) external view returns (StakeModel.Account memory) {
        return _stakes[account];
    }

    function accounts() external view returns (address[] memory) {
        return _accounts;
    }

    function holders() external view returns (address[] memory) {
        return _holders;
    }

    function oracles() external view returns (address[] memory) {
        return _oracles;
    }
}
