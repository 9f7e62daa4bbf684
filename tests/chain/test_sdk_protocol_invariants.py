"""Random sequences of SDK calls against anvil, with the contract invariants checked from
Python after every step (design.md §3).

A model predicts each call's outcome (success, or which custom error) and the money it
moves; after every step the chain must agree with the model account by account:
 1. GPUC supply = sum of balances; the reserve covers the supply;
 2. escrow balance = budgets of live jobs and of settled jobs not paid out + each account's
    claimable + accrued fee/burn;
 3. staked = free + locked + unbonding per provider; locked = collateral of live jobs and of
    settled jobs not paid out;
 4. a job's status only moves forward and settles once; it is paid out once, after settling.
A release settles the outcome only; payOut (anyone, many jobs) moves its money.
Each example starts from the same evm_snapshot and is reverted afterwards.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from protocol import contract_errors as ce
from protocol.errors import ContractError
from protocol.roles import Consumer, Provider
from protocol.roles.base import Role
from protocol.typed_data import JobStatus, JobTerms, Outcome, job_id
from tools.devnet import CREDIT, DevNet

pytestmark = pytest.mark.chain

BPS = 10_000
PICK = st.integers(0, 1_000)
MARGIN = 30  # seconds around a deadline where the outcome may go either way
LIVE = (JobStatus.OPEN, JobStatus.ACCEPTED, JobStatus.DELIVERED, JobStatus.DISPUTED)
SETTLEABLE = (JobStatus.ACCEPTED, JobStatus.DELIVERED, JobStatus.DISPUTED)
PICKS = st.lists(PICK, min_size=1, max_size=3)


@dataclass
class JobModel:
    terms: JobTerms
    status: int = JobStatus.OPEN
    delivered_at: int = 0
    units: int = 0
    paid_out: bool = False
    disputed_at: int = 0
    bond: int = 0  # a dispute bond the escrow holds until the dispute ends

    @property
    def awaiting_payout(self) -> bool:
        return self.status == JobStatus.SETTLED and not self.paid_out

    @property
    def holds_budget(self) -> bool:
        """The escrow still holds its budget (and the provider's collateral is locked)."""
        return self.status in LIVE or self.awaiting_payout


@dataclass
class StakeModel:
    free: int = 0
    locked: int = 0
    unbonding: int = 0
    ready_at: int = 0


class ProtocolMachine(RuleBasedStateMachine):
    net: DevNet  # set by the test before running

    def __init__(self) -> None:
        super().__init__()
        self.snapshot = self.net.snapshot()
        net = self.net
        escrow = net.protocol.contracts.escrow
        self.fee_bps = int(escrow.read("feeBps"))
        self.burn_bps = int(escrow.read("burnBps"))
        self.collateral_bps = int(escrow.read("collateralBps"))
        self.slash_burn_bps = int(escrow.read("slashBurnBps"))
        self.window = int(escrow.read("disputeWindow"))
        self.verdict_window = int(escrow.read("verdictWindow"))
        self.bond_bps = int(escrow.read("disputeBondBps"))
        self.cap_bps = int(escrow.read("compensationCapBps"))
        self.delay = int(net.protocol.contracts.staking.read("unbondingDelay"))
        self.consumers = [net.consumer, net.consumer2]
        self.providers = [net.provider, net.provider2]
        self.model: dict[bytes, JobModel] = {}
        self.claimable: dict[str, int] = defaultdict(int)
        self.stakes: dict[str, StakeModel] = defaultdict(StakeModel)
        self.fees = 0
        self.burns = 0
        self.seen: dict[bytes, int] = {}
        self.seen_paid: set[bytes] = set()

    def teardown(self) -> None:
        self.net.revert(self.snapshot)

    # ------------------------------------------------------------------ helpers

    def now(self) -> int:
        return self.net.protocol.now()

    def collateral(self, budget: int) -> int:
        return -(-budget * self.collateral_bps // BPS)

    def credits(self, address: str) -> int:
        return self.net.protocol.credit_balance(address)

    def attempt(
        self,
        call: Callable[[], Any],
        allowed: tuple[type[ContractError], ...],
        succeed: bool | None,
    ) -> bool:
        """Run ``call``. ``succeed`` True/False is the model's prediction; None means the
        timing is too close to call. A refusal must be one of ``allowed``."""
        try:
            call()
        except ContractError as exc:
            assert succeed is not True, f"model expected success, got {exc}"
            assert isinstance(exc, allowed), f"unexpected {exc!r}, allowed {allowed}"
            return False
        assert succeed is not False, f"model expected one of {allowed}, the call succeeded"
        return True

    def end_dispute(self, job: JobModel, fault_proven: bool) -> None:
        """A dispute's bond: back to the consumer on a proven fault, else the provider's."""
        if job.bond:
            to = job.terms.consumer if fault_proven else job.terms.provider
            self.claimable[to] += job.bond
            job.bond = 0

    def release(self, job: JobModel, units: int) -> None:
        """Settlement records the outcome; the money waits for payOut."""
        self.end_dispute(job, units < job.units)
        job.status, job.units = JobStatus.SETTLED, units

    def pay(self, job: JobModel) -> None:
        t = job.terms
        pay = job.units * t.price_per_unit
        fee, burn = pay * self.fee_bps // BPS, pay * self.burn_bps // BPS
        self.claimable[t.provider] += pay - fee - burn
        self.claimable[t.consumer] += t.budget - pay
        self.fees += fee
        self.burns += burn
        stake = self.stakes[t.provider]
        stake.locked -= self.collateral(t.budget)
        stake.free += self.collateral(t.budget)
        job.paid_out = True

    def slash(self, job: JobModel) -> None:
        t = job.terms
        slashed = self.collateral(t.budget)  # the whole collateral is locked: all of it goes
        self.stakes[t.provider].locked -= slashed
        compensation = min(slashed, t.budget * self.cap_bps // BPS)
        self.end_dispute(job, True)
        rest = slashed - compensation
        burnt = rest * self.slash_burn_bps // BPS
        self.claimable[t.consumer] += t.budget + compensation
        self.fees += rest - burnt
        self.burns += burnt
        job.status = JobStatus.SLASHED

    def signed_verdict_settle(self, job: JobModel, outcome: int, units: int) -> Callable[[], Any]:
        a, b = self.net.oracles[0], self.net.oracles[1]

        def settle() -> None:
            verdict = a.verdict(job.terms, outcome=outcome, units=units)
            combined = a.combine_verdict(
                verdict, [a.sign_verdict(verdict), b.sign_verdict(verdict)]
            )
            a.settle(job.terms, verdict, combined)

        return settle

    def _wrong(self, job: JobModel) -> tuple[type[ContractError], ...]:
        return (ce.WrongStatus,)

    # ------------------------------------------------------------------ money rules

    @initialize()
    def seed(self) -> None:
        for consumer in self.consumers:
            self.net.fund(consumer, 100 * CREDIT)
        for provider in self.providers:
            self.net.fund_and_stake(provider, 100 * CREDIT)
            self.stakes[provider.address].free += 100 * CREDIT

    @rule(who=st.integers(0, 3), gpuc=st.integers(1, 40))
    def buy(self, who: int, gpuc: int) -> None:
        role = (self.consumers + self.providers)[who]
        self.net.fund(role, gpuc * CREDIT)

    @rule(p=st.integers(0, 1), share=st.sampled_from([1, 2, 4]))
    def stake(self, p: int, share: int) -> None:
        provider = self.providers[p]
        amount = self.credits(provider.address) // share
        if amount == 0:
            return
        provider.stake(amount)
        self.stakes[provider.address].free += amount

    @rule(p=st.integers(0, 1), share=st.sampled_from([1, 3]))
    def unbond(self, p: int, share: int) -> None:
        provider = self.providers[p]
        stake = self.stakes[provider.address]
        amount = stake.free // share
        if amount == 0:
            return
        provider.request_unbond(amount)
        stake.free -= amount
        stake.unbonding += amount
        stake.ready_at = int(provider.provider_status().unbonding_ready_at)

    @precondition(lambda self: any(s.unbonding for s in self.stakes.values()))
    @rule(p=st.integers(0, 1))
    def withdraw(self, p: int) -> None:
        provider = self.providers[p]
        stake = self.stakes[provider.address]
        if stake.unbonding == 0:
            self.attempt(provider.withdraw, (ce.NothingUnbonding,), False)
            return
        now = self.now()
        near = abs(now - stake.ready_at) < MARGIN
        predicted = None if near else now >= stake.ready_at
        if self.attempt(provider.withdraw, (ce.UnbondingNotReady,), predicted):
            stake.unbonding = 0

    @precondition(lambda self: any(self.claimable.values()))
    @rule(who=st.integers(0, 3))
    def claim(self, who: int) -> None:
        role = (self.consumers + self.providers)[who]
        owed = self.claimable[role.address]
        if self.attempt(role.claim, (ce.NothingToClaim,), owed > 0):
            self.claimable[role.address] = 0

    @rule(who=st.integers(0, 3), share=st.sampled_from([2, 5]))
    def redeem(self, who: int, share: int) -> None:
        role = (self.consumers + self.providers)[who]
        amount = self.credits(role.address) // share
        if amount > 0:
            Consumer(self.net.protocol, role.wallet, role.sender).redeem(amount)

    @rule(seconds=st.sampled_from([60, 600, 1800, 4000, 90_000, 15 * 86_400]))
    def advance(self, seconds: int) -> None:
        self.net.advance(seconds)

    # ------------------------------------------------------------------ job rules

    @rule(
        c=st.integers(0, 1),
        p=st.integers(0, 1),
        budget=st.integers(1, 25),
        max_units=st.sampled_from([1, 3, 10]),
        accept_within=st.sampled_from([600, 3600]),
    )
    def open_job(self, c: int, p: int, budget: int, max_units: int, accept_within: int) -> None:
        consumer, provider = self.consumers[c], self.providers[p]
        budget_wei = budget * CREDIT
        terms = consumer.new_terms(
            provider=provider.address,
            budget=budget_wei,
            price_per_unit=budget_wei // max_units,
            spec=b"\x5e" * 32,
            accept_within=accept_within,
            run_within=accept_within + 7200,
        )
        enough = self.credits(consumer.address) >= budget_wei
        opened = self.attempt(
            lambda: consumer.open_job(terms), (ce.ERC20InsufficientBalance,), enough
        )
        if opened:
            self.model[job_id(terms)] = JobModel(terms)

    @precondition(lambda self: bool(self.model))
    @rule(pick=PICK)
    def accept(self, pick: int) -> None:
        terms = self.pick(pick)
        job = self.model[job_id(terms)]
        provider = self._provider(terms)
        stake = self.stakes[terms.provider]
        need = self.collateral(terms.budget)
        if job.status != JobStatus.OPEN:
            self.attempt(lambda: provider.accept(terms), self._wrong(job), False)
            return
        now = self.now()
        predicted: bool | None = stake.free >= need and now <= terms.accept_deadline
        if abs(now - terms.accept_deadline) < MARGIN:
            predicted = None
        if self.attempt(
            lambda: provider.accept(terms), (ce.TooLate, ce.InsufficientStake), predicted
        ):
            job.status = JobStatus.ACCEPTED
            stake.free -= need
            stake.locked += need

    @precondition(lambda self: bool(self.model))
    @rule(pick=PICK, fraction=st.sampled_from([0, 1, 2]))
    def receipt(self, pick: int, fraction: int) -> None:
        terms = self.pick(pick)
        job = self.model[job_id(terms)]
        provider = self._provider(terms)
        units = [1, max(1, terms.max_units // 2), terms.max_units][fraction]

        def submit() -> None:
            provider.submit_receipt(terms, result_hash=b"\x11" * 32, units=units)

        if job.status != JobStatus.ACCEPTED:
            self.attempt(submit, self._wrong(job), False)
            return
        now = self.now()
        predicted = None if abs(now - terms.deadline) < MARGIN else now <= terms.deadline
        if self.attempt(submit, (ce.TooLate,), predicted):
            state = self.net.protocol.job(terms)
            job.status, job.units, job.delivered_at = JobStatus.DELIVERED, units, state.delivered_at

    @precondition(lambda self: bool(self.model))
    @rule(pick=PICK, fraction=st.sampled_from([0, 1]))
    def settle_release(self, pick: int, fraction: int) -> None:
        terms = self.pick(pick)
        job = self.model[job_id(terms)]
        units = [1, terms.max_units][fraction]
        settle = self.signed_verdict_settle(job, Outcome.RELEASE, units)
        if self.attempt(settle, self._wrong(job), job.status in SETTLEABLE):
            self.release(job, units)

    @precondition(lambda self: bool(self.model))
    @rule(pick=PICK)
    def settle_fault(self, pick: int) -> None:
        terms = self.pick(pick)
        job = self.model[job_id(terms)]
        settle = self.signed_verdict_settle(job, Outcome.FAULT, 0)
        if self.attempt(settle, self._wrong(job), job.status in SETTLEABLE):
            self.slash(job)

    @precondition(lambda self: bool(self.model))
    @rule(pick=PICK)
    def cancel(self, pick: int) -> None:
        terms = self.pick(pick)
        job = self.model[job_id(terms)]
        consumer = self._consumer(terms)
        if self.attempt(
            lambda: consumer.cancel(terms), self._wrong(job), job.status == JobStatus.OPEN
        ):
            job.status = JobStatus.REFUNDED
            self.claimable[terms.consumer] += terms.budget

    @precondition(lambda self: bool(self.model))
    @rule(pick=PICK)
    def dispute(self, pick: int) -> None:
        terms = self.pick(pick)
        job = self.model[job_id(terms)]
        consumer = self._consumer(terms)
        if job.status != JobStatus.DELIVERED:
            self.attempt(lambda: consumer.dispute(terms), self._wrong(job), False)
            return
        bond = -(-terms.budget * self.bond_bps // BPS)
        self.net.fund(consumer, bond)  # the bond, on top of what the consumer holds
        closes = job.delivered_at + self.window
        now = self.now()
        predicted = None if abs(now - closes) < MARGIN else now < closes
        if self.attempt(lambda: consumer.dispute(terms), (ce.TooLate,), predicted):
            job.status = JobStatus.DISPUTED
            job.bond = bond
            escrow = self.net.protocol.contracts.escrow
            job.disputed_at = int(escrow.read("disputedAt", job_id(terms)))

    @precondition(lambda self: bool(self.model))
    @rule(pick=PICK)
    def refund(self, pick: int) -> None:
        terms = self.pick(pick)
        job = self.model[job_id(terms)]
        consumer = self._consumer(terms)
        if job.status != JobStatus.OPEN:  # a dispute ends by verdict or finalize, never a refund
            self.attempt(lambda: consumer.refund(terms), self._wrong(job), False)
            return
        opens_at = terms.accept_deadline
        now = self.now()
        predicted = None if abs(now - opens_at) < MARGIN else now > opens_at
        if self.attempt(lambda: consumer.refund(terms), (ce.TooEarly,), predicted):
            job.status = JobStatus.REFUNDED
            self.claimable[terms.consumer] += terms.budget

    @precondition(lambda self: bool(self.model))
    @rule(pick=PICK)
    def finalize(self, pick: int) -> None:
        terms = self.pick(pick)
        job = self.model[job_id(terms)]
        provider = self._provider(terms)
        if job.status == JobStatus.DELIVERED:
            ready = job.delivered_at + self.window
        elif job.status == JobStatus.DISPUTED:  # no verdict in the verdict window: receipt stands
            ready = job.disputed_at + self.verdict_window + 1
        else:
            self.attempt(lambda: provider.finalize(terms), self._wrong(job), False)
            return
        now = self.now()
        predicted = None if abs(now - ready) < MARGIN else now >= ready
        if self.attempt(lambda: provider.finalize(terms), (ce.TooEarly,), predicted):
            self.release(job, job.units)

    @precondition(lambda self: bool(self.model))
    @rule(picks=PICKS, who=st.integers(0, 4))
    def pay_out(self, picks: list[int], who: int) -> None:
        """Anyone pays out up to three jobs, mostly settled ones (repeats allowed)."""
        jobs = [self.model[job_id(self.pick_settled(p))] for p in picks]
        self.pay_out_jobs(jobs, [*self.consumers, *self.providers, self.net.oracles[0]][who])

    def pay_out_jobs(self, jobs: list[JobModel], role: Role) -> None:
        unique = list({job_id(j.terms): j for j in jobs}.values())
        due = [j for j in unique if j.awaiting_payout]
        paid: list[int] = []

        def call() -> None:
            paid.append(role.pay_out([j.terms for j in jobs]).count)

        settled = all(j.status == JobStatus.SETTLED for j in jobs)
        if self.attempt(call, (ce.NotSettled,), settled):
            assert paid == [len(due)]
            for job in due:
                self.pay(job)

    @precondition(lambda self: bool(self.model))
    @rule(
        pick=PICK,
        pay=st.sampled_from([True, True, False]),
        ending=st.sampled_from(
            ["release", "finalize", "release", "fault", "dispute-timeout", "accepted", "delivered"]
        ),
    )
    def lifecycle(self, pick: int, pay: bool, ending: str) -> None:
        """Walk one job forward along a whole path, so sequences reach deep states; each
        step is one of the rules above, with its prediction checked."""
        jid = job_id(self.pick(pick))
        job = self.model[jid]
        if job.status == JobStatus.OPEN:
            self.accept(pick)
        if job.status == JobStatus.ACCEPTED and ending != "accepted":
            self.receipt(pick, 1)
        if job.status == JobStatus.DELIVERED and ending == "finalize":
            self.net.advance(self.window + 1)
            self.finalize(pick)
        elif job.status == JobStatus.DELIVERED and ending == "dispute-timeout":
            self.dispute(pick)
            self.net.advance(self.verdict_window + 1)
            self.finalize(pick)
        if job.status in SETTLEABLE and ending == "release":
            self.settle_release(pick, 1)
        elif job.status in SETTLEABLE and ending == "fault":
            self.settle_fault(pick)
        if pay and job.awaiting_payout:
            self.pay_out_jobs([job], self._provider(job.terms))

    def pick(self, pick: int) -> JobTerms:
        """Mostly a live job (so sequences go deep), sometimes any job (so refusals of
        finished jobs are exercised too)."""
        jobs = list(self.model.values())
        live = [j for j in jobs if j.status in LIVE]
        pool = live if live and pick % 4 else jobs
        return pool[pick % len(pool)].terms

    def pick_settled(self, pick: int) -> JobTerms:
        """Mostly a job awaiting payout, sometimes one paid out already (skipped) or any job
        (a refusal)."""
        jobs = list(self.model.values())
        due = [j for j in jobs if j.awaiting_payout]
        settled = [j for j in jobs if j.status == JobStatus.SETTLED]
        if due and pick % 3:
            pool = due
        elif settled and pick % 2:
            pool = settled
        else:
            pool = jobs
        return pool[pick % len(pool)].terms

    def _provider(self, terms: JobTerms) -> Provider:
        return next(p for p in self.providers if p.address == terms.provider)

    def _consumer(self, terms: JobTerms) -> Consumer:
        return next(c for c in self.consumers if c.address == terms.consumer)

    # ------------------------------------------------------------------ invariants

    @invariant()
    def supply_is_held_and_backed(self) -> None:
        p = self.net.protocol
        c = p.contracts
        holders = [w.address for w in self.net.wallets] + [
            c.escrow.address,
            c.staking.address,
            c.sale.address,
        ]
        supply = int(c.credit.read("totalSupply"))
        assert supply == sum(p.credit_balance(h) for h in holders)
        rate = int(c.sale.read("reservePerCredit"))
        assert int(c.sale.read("reserveHeld")) * CREDIT >= supply * rate

    @invariant()
    def escrow_holds_exactly_what_it_owes(self) -> None:
        p = self.net.protocol
        escrow = p.contracts.escrow
        for address in {w.address for w in self.net.wallets}:
            assert p.claimable(address) == self.claimable[address], address
        fees, burns = escrow.read("accrued")
        assert (int(fees), int(burns)) == (self.fees, self.burns)
        held = sum(j.terms.budget for j in self.model.values() if j.holds_budget)
        held += sum(j.bond for j in self.model.values())
        owed = sum(self.claimable.values())
        assert p.credit_balance(escrow.address) == held + owed + self.fees + self.burns

    @invariant()
    def stake_is_accounted_per_provider(self) -> None:
        p = self.net.protocol
        total = 0
        for provider in self.providers:
            status = p.provider_status(provider.address)
            model = self.stakes[provider.address]
            assert (status.free, status.locked, status.unbonding) == (
                model.free,
                model.locked,
                model.unbonding,
            )
            live = sum(
                self.collateral(j.terms.budget)
                for j in self.model.values()
                if j.terms.provider == provider.address
                and (j.status in SETTLEABLE or j.awaiting_payout)
            )
            assert status.locked == live
            total += status.total_stake
        assert p.credit_balance(p.contracts.staking.address) == total

    @invariant()
    def statuses_match_and_only_move_forward(self) -> None:
        for jid, job in self.model.items():
            state = self.net.protocol.job(jid)
            status = state.status
            assert status == job.status, JobStatus(status).label
            assert state.paid_out == job.paid_out
            assert state.paid_out or jid not in self.seen_paid, "a payout was undone"
            if state.paid_out:
                self.seen_paid.add(jid)
            # Open < Accepted < Delivered < Disputed < Settled | Slashed | Refunded
            assert status >= self.seen.get(jid, JobStatus.NONE), "a status moved backwards"
            if self.seen.get(jid, JobStatus.NONE) >= JobStatus.SETTLED:
                assert status == self.seen[jid], "a settled job changed again"
            self.seen[jid] = status


def test_random_protocol_sequences_keep_the_invariants(devnet_session: DevNet) -> None:
    ProtocolMachine.net = devnet_session
    run_state_machine_as_test(
        ProtocolMachine,
        settings=settings(
            max_examples=20,
            stateful_step_count=40,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            derandomize=False,
        ),
    )
