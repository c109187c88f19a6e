"""The provider sandbox: a faithful emulator of TargetSMS's ``/sendmessage.php``.

Its pieces, each in a module of its own, from the pure core to the network:

==================  ========================================================================
``_rules``          which send requests the provider refuses, and each message's outcome
``_faults``         the network's faults (and latency), defined once for every transport
``_http``           the endpoint's face on HTTP: routing, query decoding, ``SandboxReply``
``_emulator``       ``Sandbox``: identity, state and the endpoint's pure decisions
``_transport``      ``SandboxTransport``: in-process, for sync and async httpx clients
``_server``         a Starlette app on uvicorn (loaded only when a server is started)
==================  ========================================================================

Use it through ``tsf.Sandbox`` and ``tsf.Client.sandbox()``, or ``targetsms_frames.testing``
to test your own pipelines against it.

Examples
--------
>>> import targetsms_frames as tsf
>>> sandbox = Sandbox(name="docs")
>>> with tsf.Client.sandbox(sandbox) as client:
...     client.send("79000000001", send_sms=1, sender_sms="Shop", text_sms="Hi")
['1179038981']
>>> sandbox.messages["phone"].tolist()
['79000000001']
"""

from ._emulator import Sandbox, SandboxRequest
from ._faults import FAULT_KINDS, FaultKind, Faults
from ._http import SandboxReply
from ._rules import DEFAULT_STOP_LIST, SANDBOX_ERROR_TEXTS
from ._transport import SandboxTransport

__all__ = [
    "DEFAULT_STOP_LIST",
    "FAULT_KINDS",
    "SANDBOX_ERROR_TEXTS",
    "FaultKind",
    "Faults",
    "Sandbox",
    "SandboxReply",
    "SandboxRequest",
    "SandboxTransport",
]
