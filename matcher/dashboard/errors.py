"""Errors of the dashboard: part of the matcher's exception tree."""

from __future__ import annotations

from matcher.errors import MatcherError


class DashboardError(MatcherError):
    """Base of the dashboard's errors."""

    code = "dashboard_error"


class InvalidDashboardSetting(DashboardError):
    """A dashboard component was built with an out-of-range setting."""

    code = "invalid_dashboard_setting"


class VendorError(DashboardError):
    """The page's vendored assets are missing, or not the pinned build."""

    code = "dashboard_vendor_error"


class ContainerResultUnavailable(DashboardError):
    """No result archive under that hash, or no document store is connected."""

    code = "container_result_unavailable"


class NotAContainerResult(DashboardError):
    """The stored result is not a well-formed container result archive."""

    code = "not_a_container_result"
