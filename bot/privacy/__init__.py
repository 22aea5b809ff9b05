"""Privacy requests: forget a person (pseudonymise, remove what they wrote), export theirs."""


class PrivacyError(Exception):
    """A request that cannot go ahead; the message is one line saying why."""
