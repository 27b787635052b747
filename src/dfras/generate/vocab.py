"""Fixed vocabularies of the synthetic data: cities, names, streets, codes and texts.

Everything the generator writes as text comes from these tuples, so the values stay in the
style of the public sample data (same cities, partner names, note texts, reason codes) while
the rows themselves are drawn fresh. The lists are plain data: no randomness lives here.
"""

from __future__ import annotations

# (city, state, relative order volume, median transit hours of a delivery run in the city)
CITIES: tuple[tuple[str, str, float, float], ...] = (
    ("Ahmedabad", "Gujarat", 1.0, 4.0),
    ("Surat", "Gujarat", 1.0, 3.5),
    ("Bengaluru", "Karnataka", 1.0, 5.5),
    ("Mysuru", "Karnataka", 1.0, 3.0),
    ("Chennai", "Tamil Nadu", 1.0, 5.0),
    ("Coimbatore", "Tamil Nadu", 1.0, 3.5),
    ("Mumbai", "Maharashtra", 0.7, 6.0),
    ("Pune", "Maharashtra", 0.7, 4.0),
    ("Nagpur", "Maharashtra", 0.7, 3.5),
    ("New Delhi", "Delhi", 2.0, 6.5),
)
CITY_NAMES: tuple[str, ...] = tuple(c[0] for c in CITIES)
CITY_STATES: tuple[str, ...] = tuple(c[1] for c in CITIES)

# vehicle registration prefix and GST state code per state
STATE_VEHICLE_CODE: dict[str, str] = {
    "Gujarat": "GJ",
    "Karnataka": "KA",
    "Tamil Nadu": "TN",
    "Maharashtra": "MH",
    "Delhi": "DL",
}
STATE_GST_CODE: dict[str, str] = {
    "Gujarat": "24",
    "Karnataka": "29",
    "Tamil Nadu": "33",
    "Maharashtra": "27",
    "Delhi": "07",
}

PARTNERS: tuple[str, ...] = ("BlueDart", "Delhivery", "EcomExpress", "In-house", "Shadowfax")

FIRST_NAMES: tuple[str, ...] = (
    "Aarav", "Aditi", "Ahana", "Akash", "Ananya", "Anika", "Arjun", "Aryan", "Ayesha", "Bhavna",
    "Chetan", "Charvi", "Daksh", "Devika", "Dhruv", "Diya", "Esha", "Farhan", "Gauri", "Gokul",
    "Harsh", "Hiral", "Ishaan", "Isha", "Jai", "Jiya", "Kabir", "Kavya", "Kiaan", "Kriti",
    "Lakshay", "Lavanya", "Madhav", "Meera", "Mihir", "Myra", "Naveen", "Neha", "Nikhil", "Nisha",
    "Ojas", "Pari", "Pranav", "Priya", "Rahul", "Riya", "Rohan", "Sahil", "Saanvi", "Sameer",
    "Shreya", "Siddharth", "Sneha", "Tanvi", "Tarun", "Uday", "Vani", "Varun", "Vihaan", "Zoya",
)  # fmt: skip

LAST_NAMES: tuple[str, ...] = (
    "Agarwal", "Bajaj", "Banerjee", "Bhatia", "Chopra", "Das", "Desai", "Dutta", "Gandhi", "Ghosh",
    "Gill", "Goswami", "Gupta", "Iyer", "Jain", "Joshi", "Kapoor", "Kaur", "Khan", "Kulkarni",
    "Kumar", "Menon", "Mehta", "Mishra", "Nair", "Naidu", "Pandey", "Patel", "Pillai", "Rao",
    "Reddy", "Saini", "Sethi", "Shah", "Sharma", "Shetty", "Singh", "Sinha", "Soni", "Tiwari",
    "Trivedi", "Varma", "Verma", "Yadav", "Bose", "Chauhan", "Dubey", "Hegde", "Kamath", "Malhotra",
)  # fmt: skip

STREET_SUFFIXES: tuple[str, ...] = (
    "Marg", "Path", "Nagar", "Chowk", "Road", "Street", "Ganj", "Zila", "Circle",
)  # fmt: skip

# client name patterns: {0}, {1}, {2} are surnames; patterns with a comma need CSV quoting
CLIENT_NAME_PATTERNS: tuple[str, ...] = (
    "{0} LLC", "{0} Group", "{0}-{1}", "{0} PLC", "{0} Inc", "{0} and Sons", "{0} Ltd",
    "{0}, {1} and {2}", "{0} Logistics", "{0} Traders",
)  # fmt: skip

EMAIL_DOMAINS: tuple[str, ...] = ("gmail.com", "yahoo.com", "hotmail.com", "outlook.com")

# order attributes
STATUSES: tuple[str, ...] = ("Pending", "In-Transit", "Delivered", "Failed", "Returned")
PAYMENT_MODES: tuple[str, ...] = ("COD", "Prepaid")
DRIVER_STATUSES: tuple[str, ...] = ("Active", "Inactive")

# log vocabularies ("" is the empty field)
WAREHOUSE_NOTES: tuple[str, ...] = ("", "Stock delay on item", "System issue", "Slow packing")
GPS_NOTES: tuple[str, ...] = ("", "Address not found", "Heavy congestion", "Breakdown")
TRAFFIC: tuple[str, ...] = ("Clear", "Moderate", "Heavy")
WEATHER: tuple[str, ...] = ("Clear", "Rain", "Fog", "Storm")
EVENTS: tuple[str, ...] = ("", "Festival", "Holiday", "Strike")

# feedback texts and the sentiment each one really expresses
FEEDBACK: tuple[tuple[str, str], ...] = (
    ("Package was late, no update from driver.", "Negative"),
    ("Driver was polite but package was delayed.", "Neutral"),
    ("Package cancelled due to stock issue.", "Negative"),
    ("Delivery never came, wrong address issue.", "Negative"),
    ("Good service, on time delivery.", "Positive"),
    ("Package arrived damaged.", "Negative"),
    ("Order went back to the seller, nobody called me.", "Negative"),
    ("Delivery never came, no update.", "Negative"),
    ("Driver was polite and helpful.", "Positive"),
)
FEEDBACK_TEXTS: tuple[str, ...] = tuple(f[0] for f in FEEDBACK)
SENTIMENTS: tuple[str, ...] = ("Positive", "Negative", "Neutral")

# feedback text indices, named for the outcome code that picks them
FB_LATE, FB_POLITE_DELAYED, FB_STOCK, FB_WRONG_ADDRESS, FB_GOOD = 0, 1, 2, 3, 4
FB_DAMAGED, FB_RETURNED, FB_NEVER_CAME, FB_POLITE = 5, 6, 7, 8
