"""The pricing package's exception tree."""


class PricingError(ValueError):
    """Base of every pricing error."""


class InvalidPricingParameters(PricingError):
    """A strategy's parameters are inconsistent (e.g. p_min above p_max)."""
