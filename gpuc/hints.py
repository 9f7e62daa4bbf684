"""The fix to suggest for each contract error, in gpuc's terms (the SDK's messages say
what went wrong; these say what to run next)."""

from __future__ import annotations

__all__ = ["fix_for"]

_FIXES: dict[str, str] = {
    # credits
    "ERC20InsufficientBalance": "buy credits first: gpuc credits buy AMOUNT",
    "ERC20InsufficientAllowance": "approve the spender for the amount (or use the permit path)",
    "ZeroAmount": "give an amount greater than zero",
    "AmountTooSmall": "buy a larger amount",
    "SlippageExceeded": "the price moved: retry, or accept a lower minimum",
    "PaymentMismatch": "send exactly the amount named (ETH sales only)",
    "NothingToWithdraw": "nothing has accrued yet",
    # staking
    "InsufficientStake": "stake more (gpuc provider stake AMOUNT) or take a smaller job",
    "UnbondingNotReady": "wait until the unbonding delay has passed, then withdraw",
    "NothingUnbonding": "request an unbond first: gpuc provider unbond AMOUNT",
    "StakeOverflow": "stake less: the total must fit 96 bits",
    # jobs
    "UnknownJob": (
        "check the job id: no job with it was opened on this chain and deployment "
        "(the id `gpuc buy` or `gpuc job open` printed; --rpc and --manifest pick the chain)"
    ),
    "WrongStatus": "check the job's status with gpuc job status JOB_ID",
    "NotConsumer": "use the consumer's key for this job",
    "NotProvider": "use the key of the provider named in the job",
    "InvalidAcceptance": "the acceptance must be the named provider's signature over these terms",
    "TooManyUnits": "raise the price per unit: budget / price must fit 64 bits",
    "InvalidPrice": "the price per unit must be > 0 and at most the budget",
    "InvalidDeadlines": "use deadlines in the future and within the maximum job duration",
    "InvalidProvider": "name a provider other than yourself",
    "JobExists": "a job with these terms exists: use another salt",
    "TooLate": "the deadline has passed",
    "TooEarly": "wait until the time named, then retry",
    "UnitsExceedMax": "claim at most budget / price units",
    "ZeroUnits": "report at least one unit",
    "NothingToClaim": "nothing is owed yet; settled jobs pay out first: gpuc provider payout",
    "NotSettled": "pay out only jobs settled as a release (gpuc job status JOB_ID)",
    # committee
    "InsufficientSignatures": "collect signatures from at least the committee threshold",
    "UnknownSigner": "only current committee members' signatures count",
    "SignersNotAscending": "sort signatures by signer address (gpuc oracle combine does)",
    "FutureEpoch": "sign the verdict under the committee's current epoch",
    "InvalidSignature": "re-sign: the signature is malformed or malleable",
    "VerdictJobMismatch": "sign a verdict for this job",
    "OwnableUnauthorizedAccount": "use the owner's key",
}


def fix_for(exc: BaseException) -> str | None:
    """A contract error's fix; other errors' messages carry their own."""
    return _FIXES.get(type(exc).__name__)
