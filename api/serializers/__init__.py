"""Serializers: outputs mirror what the pages show (masked personal data only); inputs are the arguments of
the service each endpoint calls. Views use them as ``from api import serializers as s``."""

from api.serializers.agreements import *  # noqa: F403
from api.serializers.annual_tasks import *  # noqa: F403
from api.serializers.applications import *  # noqa: F403
from api.serializers.appointments import *  # noqa: F403
from api.serializers.evaluations import *  # noqa: F403
from api.serializers.operations import *  # noqa: F403
from api.serializers.recognition import *  # noqa: F403
from api.serializers.staff import *  # noqa: F403
from api.serializers.staffing import *  # noqa: F403
from api.serializers.supervision import *  # noqa: F403
from api.serializers.verification import *  # noqa: F403
