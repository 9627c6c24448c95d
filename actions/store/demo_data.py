"""Invented values the demo shop is built from: names, streets, products.

Nothing here is anyone's real data; only the behaviour figures of the seeded
customers come from the churn data set. Emails use the reserved example.com.
"""

from __future__ import annotations

FIRST_NAMES: dict[str, tuple[str, ...]] = {
    "Female": (
        "Alice", "Anna", "Beatrice", "Carla", "Chloe", "Clara", "Daria", "Elena",
        "Emma", "Eva", "Freya", "Greta", "Hannah", "Ines", "Isla", "Julia",
        "Lea", "Lina", "Lucia", "Maja", "Marta", "Mia", "Nora", "Olivia",
        "Paula", "Rosa", "Sara", "Sofia", "Tessa", "Zoe",
    ),
    "Male": (
        "Adam", "Alex", "Ben", "Bruno", "Carlos", "Daniel", "David", "Elias",
        "Felix", "Finn", "Hugo", "Ivan", "Jakob", "Jonas", "Leo", "Liam",
        "Luca", "Marco", "Max", "Milan", "Noah", "Oscar", "Paul", "Pedro",
        "Samuel", "Theo", "Tom", "Victor", "Xavier", "Yusuf",
    ),
}  # fmt: skip
LAST_NAMES: tuple[str, ...] = (
    "Albers", "Bauer", "Berger", "Costa", "Dubois", "Eriksen", "Fischer",
    "Garcia", "Hansen", "Hoffmann", "Jansen", "Keller", "Klein", "Lang",
    "Lopez", "Martin", "Meyer", "Moreau", "Novak", "Olsen", "Peeters",
    "Richter", "Rossi", "Santos", "Schmidt", "Schulz", "Silva", "Simon",
    "Vogel", "Wagner", "Weber", "Wolf",
)  # fmt: skip

# (city, country) by city tier: 1 = metropolis, 3 = small town.
CITIES: dict[int, tuple[tuple[str, str], ...]] = {
    1: (
        ("Berlin", "Germany"),
        ("Paris", "France"),
        ("Madrid", "Spain"),
        ("Rome", "Italy"),
        ("Amsterdam", "Netherlands"),
        ("Vienna", "Austria"),
    ),
    2: (
        ("Leipzig", "Germany"),
        ("Lyon", "France"),
        ("Valencia", "Spain"),
        ("Bologna", "Italy"),
        ("Utrecht", "Netherlands"),
        ("Graz", "Austria"),
    ),
    3: (
        ("Goslar", "Germany"),
        ("Annecy", "France"),
        ("Teruel", "Spain"),
        ("Lucca", "Italy"),
        ("Delft", "Netherlands"),
        ("Krems", "Austria"),
    ),
}
STREETS: tuple[str, ...] = (
    "Elm Street", "Station Road", "Mill Lane", "Park Avenue", "Church Street",
    "Garden Row", "Harbour Way", "Lake View", "Market Square", "Oak Close",
    "River Walk", "School Lane", "Bridge Street", "Orchard Road",
)  # fmt: skip
ADDRESS_LABELS: tuple[str, ...] = ("home", "work", "parents", "holiday home")

# (sku, name, unit price in cents) by category (the churn data set's categories).
PRODUCTS: dict[str, tuple[tuple[str, str, int], ...]] = {
    "Laptop & Accessory": (
        ("LAP-1401", "Aero 14 laptop", 89900),
        ("LAP-1560", "Studio 15 laptop", 129900),
        ("ACC-0210", "USB-C docking station", 12900),
        ("ACC-0305", "Wireless mouse", 2900),
        ("ACC-0412", "Laptop sleeve 14 inch", 2400),
    ),
    "Mobile Phone": (
        ("PHN-0601", "Nova 6 smartphone", 49900),
        ("PHN-0802", "Nova 8 Pro smartphone", 79900),
        ("PHA-0101", "Phone case", 1900),
        ("PHA-0207", "65 W charger", 3400),
    ),
    "Fashion": (
        ("FAS-1001", "Linen shirt", 4900),
        ("FAS-1102", "Rain jacket", 8900),
        ("FAS-1203", "Leather belt", 3500),
        ("FAS-1304", "Running shoes", 9900),
    ),
    "Grocery": (
        ("GRO-2001", "Organic coffee beans 1 kg", 1890),
        ("GRO-2002", "Olive oil 1 l", 1150),
        ("GRO-2003", "Green tea, 50 bags", 650),
        ("GRO-2004", "Dark chocolate, 6 bars", 1490),
    ),
    "Others": (
        ("OTH-3001", "Desk lamp", 3900),
        ("OTH-3002", "Yoga mat", 2900),
        ("OTH-3003", "Water bottle", 1900),
        ("OTH-3004", "Board game", 3400),
    ),
}
# (carrier, tracking number prefix, digits)
CARRIERS: tuple[tuple[str, str, int], ...] = (
    ("DHL", "JD", 16),
    ("UPS", "1Z", 16),
    ("DPD", "DPD", 12),
    ("GLS", "GLS", 11),
    ("PostNL", "3S", 13),
)
COUPON_CODES: tuple[str, ...] = (
    "WELCOME10",
    "SPRING15",
    "FREESHIP",
    "CASHBACK5",
    "LOYAL20",
    "WEEKEND12",
)
COMPLAINT_SUBJECTS: tuple[str, ...] = (
    "Parcel arrived damaged",
    "Delivery much later than promised",
    "Wrong item received",
    "Refund is taking too long",
    "Courier left the parcel outside",
    "Item stopped working after a week",
)
QUESTION_SUBJECTS: tuple[str, ...] = (
    "How do I change my delivery address?",
    "Can I pay by bank transfer?",
    "Is this item available in another size?",
    "Where do I find my invoice?",
)
REFUND_REASONS: dict[str, tuple[str, ...]] = {
    "returned": ("Returned: did not fit", "Returned: changed my mind"),
    "cancelled": ("Order cancelled before shipping",),
    "partial": ("Item arrived damaged", "Missing item in parcel"),
}
