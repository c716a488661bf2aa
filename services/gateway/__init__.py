"""The HTTP gateway: reports in over HTTP, case views, histories and live case updates out.

It talks to the other services only through Redis (intake streams, the outcomes stream, the
views and the case-updates streams), so it imports no other service.
"""
