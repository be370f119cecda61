#!/usr/bin/env python3
"""Checks govwire's feeds with Python feedparser, the reference lenient feed reader.

Parses every *.xml file in the folder named by GOVWIRE_FEED_DIR (written by tests/it/security.rs),
or the URLs given as arguments (e.g. http://127.0.0.1:8080/feed.xml of a running govwire), and
exits non-zero if feedparser flags any of them as not well-formed (`bozo`), finds no entries,
or sees an entry without an http(s) link. Prints one line per feed and a final
"N feed(s) ok".

With --summary first, it prints instead one JSON object per feed (what feedparser read: bozo,
feed id, title and subtitle with their content types, and per entry id, link, title, author,
source, summary and full content), for tests/it/feeds_http.rs to assert on; the exit status then
only says whether feedparser could be run.

Usage:
    GOVWIRE_FEED_DIR=/tmp/feeds python3 tests/feedparser_check.py
    python3 tests/feedparser_check.py http://127.0.0.1:8080/feed.xml http://127.0.0.1:8080/atom.xml
    python3 tests/feedparser_check.py --summary /tmp/feeds/a.xml /tmp/feeds/b.xml
"""

import json

import os
import sys

try:
    import feedparser
except ImportError:
    print("feedparser is not installed: python3 -m pip install feedparser", file=sys.stderr)
    sys.exit(2)


def targets():
    if len(sys.argv) > 1:
        return sys.argv[1:]
    folder = os.environ.get("GOVWIRE_FEED_DIR")
    if not folder:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    return sorted(
        os.path.join(folder, name) for name in os.listdir(folder) if name.endswith(".xml")
    )


def problems(parsed):
    found = []
    if parsed.bozo:
        found.append(f"not well-formed: {parsed.bozo_exception!r}")
    if not parsed.entries:
        found.append("no entries")
    for entry in parsed.entries:
        link = entry.get("link", "")
        if not link.startswith(("http://", "https://")):
            found.append(f"entry {entry.get('id', '?')} has link {link!r}")
    return found


def detail(d):
    d = d or {}
    return {"value": d.get("value", ""), "type": d.get("type", "")}


def summary(name):
    parsed = feedparser.parse(name)
    feed = parsed.feed
    entries = []
    for e in parsed.entries:
        content = e.get("content") or [{}]
        source = e.get("source") or {}
        entries.append({
            "id": e.get("id", ""),
            "link": e.get("link", ""),
            "title": detail(e.get("title_detail")),
            "author": e.get("author", ""),
            "source_title": source.get("title", ""),
            "source_href": source.get("href", "") or source.get("link", ""),
            "summary": detail(e.get("summary_detail")),
            "content": detail(content[0]),
        })
    return {
        "name": name,
        "bozo": bool(parsed.bozo),
        "bozo_exception": repr(parsed.get("bozo_exception", "")),
        "version": parsed.get("version") or "",
        "id": feed.get("id", ""),
        "title": detail(feed.get("title_detail")),
        "subtitle": detail(feed.get("subtitle_detail")),
        "entries": entries,
    }


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--summary":
        for name in sys.argv[2:]:
            print(json.dumps(summary(name), ensure_ascii=False))
        return 0
    names = targets()
    if not names:
        print("no feeds to check", file=sys.stderr)
        return 1
    failed = 0
    for name in names:
        parsed = feedparser.parse(name)
        found = problems(parsed)
        version = parsed.get("version") or "unknown"
        if found:
            failed += 1
            print(f"FAIL {name} ({version}): " + "; ".join(found))
        else:
            print(f"ok   {name} ({version}, {len(parsed.entries)} entries)")
    if failed:
        print(f"{failed} of {len(names)} feed(s) failed")
        return 1
    print(f"{len(names)} feed(s) ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
