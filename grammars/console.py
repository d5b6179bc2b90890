"""Grammars for what `show logging` prints before the log buffer.

``Syslog logging: enabled (0 messages dropped, ...)`` ... ``Log Buffer (1000000 bytes):``
"""

from __future__ import annotations

import pyparsing as pp

#: The literal starts that select :data:`LOGGING_HEADER`, kept beside it.
LOGGING_HEADER_STARTS = (
    "Syslog logging:", "No Active Message", "No Inactive Message", "No active filter",
    "Console logging", "Monitor logging", "Buffer logging", "Trap logging", "Persistent logging",
    "Exception Logging", "Count and timestamp", "Log Buffer (",
)  # fmt: skip

#: One record of the `show logging` header block (the lines between its first line and the
#: ``Log Buffer (N bytes):`` line, with their continuation lines).
LOGGING_HEADER = pp.Regex(
    r"(?P<section>Syslog logging|No (?:Active|Inactive) Message Discriminator|No active filter"
    r"|(?:Console|Monitor|Buffer|Trap|Persistent|Exception|Count and timestamp) [Ll]ogging"
    r"|Log Buffer)(?:.*?(?P<messages_logged>\d+) messages? (?:lines )?logged)?"
    r"(?: \((?P<buffer_bytes>\d+) bytes\))?.*"
)
