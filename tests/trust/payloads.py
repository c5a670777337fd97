"""The injection corpus: script payloads of every sort a field might meet, each of which, if it ran, sets
`window.__pwned` (or opens a dialog, or asks another host for something, or breaks the page's CSP): the browser test
looks for all four. Built as vectors × wrappers, so each vector is also tried inside ordinary text."""

RUN = "window.__pwned=1"

VECTORS = [
    # HTML elements and event handlers
    f"<script>{RUN}</script>",
    f"<img src=x onerror={RUN}>",
    f"<svg onload={RUN}>",
    f"<svg><script>{RUN}</script></svg>",
    f"<body onload={RUN}>",
    f"<details open ontoggle={RUN}>",
    f"<input autofocus onfocus={RUN}>",
    f"<video><source onerror={RUN}></video>",
    f"<audio src=x onerror={RUN}>",
    f"<svg><animate onbegin={RUN} attributeName=x dur=1s>",
    f"<x onpointerover={RUN} style=display:block;width:9999px;height:9999px>hover</x>",
    f"<math><mtext><table><mglyph><style><img src=x onerror={RUN}>",
    f"<noscript><p title=\"</noscript><img src=x onerror={RUN}>\">",
    f"<template><img src=x onerror={RUN}></template>",
    f"<!--<img src=\"--><img src=x onerror={RUN}//\">",
    # attributes: breaking out of quotes
    f"\"><img src=x onerror={RUN}>",
    f"'><svg/onload={RUN}>",
    f"\" onmouseover=\"{RUN}\" x=\"",
    f"' onfocus='{RUN}' autofocus='",
    f"\" autofocus onfocus=\"{RUN}",
    # javascript: URLs and frames
    f"javascript:{RUN}",
    f"<a href=\"javascript:{RUN}\">click</a>",
    f"<iframe src=\"javascript:parent.{RUN}\"></iframe>",
    f"<object data=\"javascript:{RUN}\"></object>",
    f"<embed src=\"javascript:{RUN}\">",
    f"<form action=\"javascript:{RUN}\"><button>go</button></form>",
    f"<meta http-equiv=\"refresh\" content=\"0;url=javascript:{RUN}\">",
    "<base href=\"javascript:/\">",
    # closing the element we might be inside
    f"</textarea><script>{RUN}</script>",
    f"</title><script>{RUN}</script>",
    f"</script><script>{RUN}</script>",
    f"</style><script>{RUN}</script>",
    # other hosts: any request to them is caught
    "<img src=http://evil.example/pixel.png>",
    "<link rel=stylesheet href=http://evil.example/x.css>",
    "<div style=\"background:url(http://evil.example/bg.png)\">x</div>",
    # encodings and template syntax
    f"&lt;script&gt;{RUN}&lt;/script&gt;",
    f"%3Cscript%3E{RUN}%3C/script%3E",
    "<img src=\"x\" onerror=\"&#119;indow.__pwned=1\">",
    "{{7*7}}{{config}}",
    "${7*7}#{7*7}",
    "{% raw %}{{ self }}{% endraw %}",
    "<%= 7*7 %>",
    "`-alert(1)-`",
    # Unicode tricks
    f"\u202e<img src=x onerror={RUN}>",
    f"\uff1cscript\uff1e{RUN}\uff1c/script\uff1e",
    f"<scr\u200bipt>{RUN}</scr\u200bipt>",
]
WRAPPERS = ["{}", "Hall {} night", "{} & Co"]

PAYLOADS = [w.format(v) for v in VECTORS for w in WRAPPERS]
assert len(PAYLOADS) >= 100 and len(set(PAYLOADS)) == len(PAYLOADS)
