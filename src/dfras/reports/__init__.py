"""Reports of a scope for people who were not in the room: HTML, PDF and Excel.

:mod:`content` gathers the figures once (summary narrative, KPIs, causes, what the engine found,
recommendations, appendix tables); :mod:`html`, :mod:`pdf` and :mod:`xlsx` lay the same content
out; :mod:`schedule` produces reports daily or weekly and hands them to a delivery channel.
"""
