"""Escaping shared by every output format, so a value read from a scanned tree stays text.

A scanned repository chooses resource names, regions, file and folder names; a report must
show them without letting them act on the reader:

* :func:`visible` turns control characters (C0, DEL, C1), invisible format characters
  (bidi overrides such as U+202E, zero-width characters, tag characters), line and paragraph
  separators and lone surrogates into visible escapes (``\\x1b``, ``\\u202e``). A surrogate
  that stands for an undecodable byte of a file name (Python's ``surrogateescape``) shows as
  that byte, ``\\xff``. The result always encodes as UTF-8.
* :func:`workflow_data` / :func:`workflow_property` follow GitHub's rules for workflow
  commands (``%``, CR, LF; also ``:`` and ``,`` in properties).
* :func:`ci_inert`: any report may be printed to a CI log, and GitHub's runner obeys a line
  that starts with ``::`` (after blanks) or holds ``##[`` anywhere as a workflow command
  (``::stop-commands::``, ``::add-mask::``, forged ``::error``): each format spells the
  offending character its own way (``\\x23``, ``&#35;``, ``\\u0023``).
* :func:`markdown_text` / :func:`markdown_code` keep a value from becoming a link, image,
  autolink, HTML tag, @mention or issue reference in GitHub-flavoured Markdown.
"""

from __future__ import annotations

import re

# Unicode categories Cc, Cf, Cs, Zl and Zp (tests/hostile/test_output_escaping.py checks this
# class against unicodedata); spelled out so import costs nothing.
_INVISIBLE = (
    "\x00-\x1f\x7f-\x9f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    "\u200b-\u200f\u2028-\u202e\u2060-\u206f\ud800-\udfff\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f"
)
_INVISIBLE_RE = re.compile(f"[{_INVISIBLE}]")
_INVISIBLE_BUT_LINES_RE = re.compile(f"(?![\r\n])[{_INVISIBLE}]")
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape_char(char: str) -> str:
    """One character as a visible escape: ``\\n``, ``\\x1b``, ``\\u202e``, ``\\U000e0041``; an
    escaped byte of a file name (U+DC80..U+DCFF) as the byte itself, ``\\xff``."""
    if char in _SHORT:
        return _SHORT[char]
    cp = ord(char)
    if 0xDC80 <= cp <= 0xDCFF:
        return f"\\x{cp - 0xDC00:02x}"
    if cp <= 0xFF:
        return f"\\x{cp:02x}"
    if cp <= 0xFFFF:
        return f"\\u{cp:04x}"
    return f"\\U{cp:08x}"


def visible(text: str, *, lines: bool = False) -> str:
    """``text`` with every invisible or controlling character escaped; with ``lines``, CR and
    LF stay (for a multi-line message whose format handles line breaks itself)."""
    if text.isascii() and text.isprintable():
        return text  # the common case, at C speed
    pattern = _INVISIBLE_BUT_LINES_RE if lines else _INVISIBLE_RE
    return pattern.sub(lambda m: escape_char(m.group()), text)


def has_invisible(text: str) -> bool:
    return _INVISIBLE_RE.search(text) is not None


_SURROGATE_RE = re.compile("[\ud800-\udfff]")


# GitHub's runner: v2 commands start a line (leading whitespace trimmed), v1 ones ("##[name]")
# are found anywhere in a line.
_LINE_COMMAND = re.compile(r"^(\s*)::", re.MULTILINE)
_V1_COMMAND = "##["


def ci_inert(text: str, *, hash_escape: str, colon_escape: str) -> str:
    """``text`` with no workflow command a CI runner would obey: the second ``#`` of ``##[``
    and the first ``:`` of a line-leading ``::`` replaced by the format's escape of them."""
    if _V1_COMMAND in text:
        text = text.replace(_V1_COMMAND, "#" + hash_escape + "[")
    if "::" in text:
        text = _LINE_COMMAND.sub(lambda m: m.group(1) + colon_escape + ":", text)
    return text


def json_text_safe(text: str) -> str:
    """JSON text (a whole report) made safe to write and to print: each lone surrogate (only
    ever inside a string) as the visible escape ``\\\\xff``, valid UTF-8 every JSON parser
    accepts (unlike ``\\udcff``); workflow commands broken by JSON escapes, so every value
    reads back unchanged."""
    text = _SURROGATE_RE.sub(lambda m: escape_char(m.group()).replace("\\", "\\\\"), text)
    return ci_inert(text, hash_escape="\\u0023", colon_escape="\\u003a")


def message_lines(text: str) -> str:
    """A multi-line message: line breaks normalised to ``\\n`` and kept, everything else visible."""
    return visible(text.replace("\r\n", "\n").replace("\r", "\n"), lines=True)


# --- GitHub workflow commands ---------------------------------------------------------------


def workflow_data(text: str) -> str:
    """The message of a workflow command: visible, then ``%``, CR and LF percent-encoded, so a
    value can never end the command or start another one."""
    return visible(text, lines=True).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def workflow_property(text: str) -> str:
    """A property value of a workflow command: as data, plus ``:`` and ``,``."""
    return workflow_data(text).replace(":", "%3A").replace(",", "%2C")


# --- GitHub-flavoured Markdown --------------------------------------------------------------

# Backslash-escaped: the characters that open an inline construct (code, links, images,
# emphasis, strikethrough, table cells); GFM removes the backslash when rendering. ``<``, ``>``
# and ``&`` become entities, so no HTML tag or entity can form.
# An underscore inside a word never opens emphasis, so it stays bare (CKV_RES_1, my_bucket).
_MD_PUNCTUATION = re.compile(r"([\\`*\[\]|~]|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z]))")
_HTML = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
# GitHub links these after rendering, from plain text: a backslash does not stop them, a word
# joiner (U+2060, invisible) does: @mentions and e-mail, #123 issue references, bare URLs.
_WORD_JOINER = "\u2060"
_MD_LINKIFIED = re.compile(r"(@|#(?=\d)|:(?=//)|(?<=www)\.)", re.IGNORECASE)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def break_links(text: str) -> str:
    """Insert a word joiner where GitHub would linkify plain text (mentions, refs, URLs)."""
    return _MD_LINKIFIED.sub(lambda m: m.group() + _WORD_JOINER, text)


def markdown_text(text: str, *, line_breaks: str = "<br>") -> str:
    """Plain text that renders as itself and nothing else: no link, image, autolink, HTML
    tag, entity, emphasis, @mention or issue reference; newlines become ``line_breaks``."""
    text = _MD_PUNCTUATION.sub(r"\\\1", visible(text, lines=True)).translate(_HTML)
    text = break_links(text)
    return _LINE_BREAK.sub(line_breaks, text)


def markdown_code(text: str, *, in_table: bool = True) -> str:
    """A code span holding ``text`` literally: the fence is one backtick longer than the
    longest run inside; newlines show as ``\\n``; in a table cell ``|`` is escaped (GFM
    removes that backslash before the span is read)."""
    text = visible(text)
    if in_table:
        text = text.replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    # CommonMark strips one space from each end when both ends have one: pad to keep them
    pad = " " if longest or text[:1] in ("`", " ") or text[-1:] in ("`", " ") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


__all__ = [
    "break_links",
    "ci_inert",
    "json_text_safe",
    "escape_char",
    "has_invisible",
    "markdown_code",
    "markdown_text",
    "message_lines",
    "visible",
    "workflow_data",
    "workflow_property",
]
