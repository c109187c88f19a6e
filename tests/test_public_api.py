"""The public surface named in the contract is importable, sorted and exact."""

from __future__ import annotations

import targetsms_frames as tsf

CONTRACT = {
    "Client", "AsyncClient", "Sandbox", "TargetSMSError", "ProviderError",
    "DuplicateRequestError", "ValidationError", "read_table", "render", "validate", "preview",
    "send", "poll_statuses", "delivery_report", "plot_delivery",
}  # fmt: skip

EXTRA = {
    "AccountError", "ConfigurationError", "DirectionClosedError", "FastClock", "Faults",
    "JournalError", "JournalMismatchError", "ManualClock", "MessageContentError",
    "OutcomeUnknownError", "PhoneError", "RenderError", "RequestNotSentError", "SenderError",
    "StopListedError", "Summary", "TableNotFoundError", "TableReadError", "TransportError",
    "UnexpectedReplyError", "__version__", "estimate_cost", "load_dotenv", "read_journal",
    "summarize", "write_excel",
}  # fmt: skip


def test_exported_names_are_exactly_the_intended_ones() -> None:
    assert set(tsf.__all__) == CONTRACT | EXTRA


def test_exports_are_sorted_and_importable() -> None:
    assert tsf.__all__ == sorted(tsf.__all__)
    for name in tsf.__all__:
        assert getattr(tsf, name) is not None


def test_every_error_descends_from_the_one_root() -> None:
    errors = [getattr(tsf, n) for n in tsf.__all__ if n.endswith("Error")]
    assert errors and all(issubclass(e, tsf.TargetSMSError) for e in errors)


def test_every_public_function_documents_itself_with_an_example() -> None:
    for name in tsf.__all__:
        obj = getattr(tsf, name)
        if callable(obj) and not isinstance(obj, type) and name != "__version__":
            assert obj.__doc__ and ">>>" in obj.__doc__, name
