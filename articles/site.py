"""What every public response shares: the site's name, the capped paginator, conditional GET, JSON safe in HTML."""

import json

from django.conf import settings
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.middleware.http import ConditionalGetMiddleware
from django.utils.decorators import decorator_from_middleware
from django.utils.functional import cached_property

COUNT_CAP = 1_000  # beyond this a list says "more than 1,000": counting stays cheap whatever the archive

# An ETag from the rendered bytes, and 304 Not Modified when it matches:
# correct whatever changed (an edit, a go-live time passing), and cheap.
conditional_page = decorator_from_middleware(ConditionalGetMiddleware)

# As django.utils.html.json_script writes JSON: still valid, but with no "<",
# ">" or "&" that an HTML parser, or a client sniffing the type, could read as markup.
JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def site_name() -> str:
    return settings.NEWSROOM_SITE_NAME


def site_description() -> str:
    return f"{site_name()}: the day's technology and public-interest news from trusted sources, ranked by what matters now."


def json_text(data) -> str:
    """``data`` as JSON text with "<", ">" and "&" escaped: for a <script> element or an API response."""
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(JSON_ESCAPES)


class CappedPaginator(Paginator):
    """Counts at most ``COUNT_CAP`` rows, so counting never scans the whole archive."""

    @cached_property
    def count(self) -> int:
        # Only the ids: a count needs no ranking expression computed.
        return self.object_list.order_by().values("pk")[: COUNT_CAP + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP
