"""Made-up buyers for the marketplace simulator: names, addresses, postal codes and phone numbers as each country
writes them, in its own script where that is natural (Japanese, Thai, Arabic, accented Latin). Every value comes
from the ``random.Random`` it is given, so a seed always makes the same buyers."""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Place:
    city: str
    region: str
    postal: str  # a pattern: "#" a digit, "@" a capital letter (postal letters only); the rest as written
    streets: tuple[str, ...] = ()  # where a country's streets belong to their city (a chōme, a soi)


@dataclass(frozen=True)
class Country:
    given: tuple[str, ...]
    family: tuple[str, ...]
    places: tuple[Place, ...]
    streets: tuple[str, ...]
    phone: str  # "#" is a digit
    # (given, family, rng) -> the full name as written in the country
    name: Callable[[str, str, random.Random], str]
    # (street, place, rng) -> (line1, line2)
    address: Callable[[str, Place, random.Random], tuple[str, str]]
    returns: tuple[str, ...] = ()
    cancels: tuple[str, ...] = ()


def _digits(pattern: str, rng: random.Random) -> str:
    postal_letters = "ABDEFGHJLNPQRSTUWXYZ"
    return "".join(rng.choice(string.digits) if char == "#" else rng.choice(postal_letters) if char == "@" else char
                   for char in pattern)


def _western(given: str, family: str, rng: random.Random) -> str:
    return f"{given} {family}"


def _family_first(given: str, family: str, rng: random.Random) -> str:
    return f"{family} {given}"


def _hispanic(given: str, family: str, rng: random.Random) -> str:
    # Two surnames, the father's and the mother's.
    return f"{given} {family} {rng.choice(('García', 'López', 'Martínez', 'Sánchez', 'Ramírez', 'Torres'))}"


def _number_first(street: str, place: Place, rng: random.Random) -> tuple[str, str]:
    line2 = rng.choice(("", "", "", f"Apt {rng.randint(1, 40)}", f"Unit {rng.randint(1, 12)}{rng.choice('ABCD')}"))
    return f"{rng.randint(1, 2999)} {street}", line2


def _number_after(street: str, place: Place, rng: random.Random) -> tuple[str, str]:
    return f"{street} {rng.randint(1, 180)}", rng.choice(("", "", "", f"{rng.randint(1, 5)}. OG", "Hinterhaus"))


def _french(street: str, place: Place, rng: random.Random) -> tuple[str, str]:
    return (f"{rng.randint(1, 140)} {street}",
            rng.choice(("", "", f"Bâtiment {rng.choice('ABC')}", f"Appartement {rng.randint(1, 60)}")))


def _italian(street: str, place: Place, rng: random.Random) -> tuple[str, str]:
    return f"{street} {rng.randint(1, 200)}", rng.choice(("", "", f"Scala {rng.choice('ABC')}, interno "
                                                                  f"{rng.randint(1, 30)}"))


def _spanish(street: str, place: Place, rng: random.Random) -> tuple[str, str]:
    return f"{street}, {rng.randint(1, 150)}", f"{rng.randint(1, 9)}º {rng.choice('ABCD')}"


def _japanese(street: str, place: Place, rng: random.Random) -> tuple[str, str]:
    line1 = f"{street}{rng.randint(1, 6)}-{rng.randint(1, 30)}-{rng.randint(1, 20)}"
    building = rng.choice(("", "", "メゾン桜", "グランハイツ", "コーポ青葉", "パークサイド"))
    return line1, f"{building} {rng.randint(1, 9)}0{rng.randint(1, 9)}号室" if building else ""


def _singapore(street: str, place: Place, rng: random.Random) -> tuple[str, str]:
    return f"Blk {rng.randint(1, 999)} {street}", f"#{rng.randint(2, 25):02d}-{rng.randint(1, 999):03d}"


def _malaysian(street: str, place: Place, rng: random.Random) -> tuple[str, str]:
    return f"No. {rng.randint(1, 88)}, {street}", rng.choice(("", f"Taman {rng.choice(('Melati', 'Bukit Indah'))}"))


def _thai(street: str, place: Place, rng: random.Random) -> tuple[str, str]:
    # Bangkok's sub-districts are khwaeng, the provinces' tambon.
    bangkok = place.region == "กรุงเทพมหานคร"
    return (f"{rng.randint(1, 999)}/{rng.randint(1, 99)} {street}",
            rng.choice(("แขวงสีลม", "แขวงคลองเตย", "แขวงลาดยาว") if bangkok else ("ตำบลสุเทพ", "ตำบลตลาดใหญ่")))


def _philippine(street: str, place: Place, rng: random.Random) -> tuple[str, str]:
    return (f"{rng.randint(1, 999)} {street}",
            f"Brgy. {rng.choice(('San Antonio', 'Poblacion', 'Loyola Heights', 'Bel-Air', 'Lahug'))}")


def _vietnamese(street: str, place: Place, rng: random.Random) -> tuple[str, str]:
    return f"{rng.randint(1, 300)} {street}", f"Phường {rng.choice(('Bến Nghé', 'Tân Định', 'Hàng Bạc', 'Dịch Vọng'))}"


def _indonesian(street: str, place: Place, rng: random.Random) -> tuple[str, str]:
    return f"{street} No. {rng.randint(1, 120)}", f"RT {rng.randint(1, 12):03d}/RW {rng.randint(1, 9):03d}"


def _latin_american(street: str, place: Place, rng: random.Random) -> tuple[str, str]:
    return f"{street} {rng.randint(10, 2500)}", f"Col. {rng.choice(('Centro', 'Del Valle', 'Roma Norte', 'Polanco'))}"


def _brazilian(street: str, place: Place, rng: random.Random) -> tuple[str, str]:
    return (f"{street}, {rng.randint(10, 2500)}",
            f"Apto {rng.randint(1, 20)}{rng.randint(1, 4)} - {rng.choice(('Bela Vista', 'Centro', 'Copacabana'))}")


def _arabic(street: str, place: Place, rng: random.Random) -> tuple[str, str]:
    return f"{street}، مبنى {rng.randint(1, 400)}", f"شقة {rng.randint(1, 30)}"


EN_RETURNS = ("Arrived damaged", "Not as described", "No longer needed", "Wrong size", "Stopped working")
EN_CANCELS = ("Ordered by mistake", "Found a better price", "Delivery is too slow", "Changed my mind")
US_STATES = (Place("Seattle", "WA", "981##"), Place("Austin", "TX", "787##"), Place("Brooklyn", "NY", "112##"),
             Place("Chicago", "IL", "606##"), Place("San Jose", "CA", "951##"), Place("Miami", "FL", "331##"),
             Place("Denver", "CO", "802##"), Place("Columbus", "OH", "432##"))

COUNTRIES: dict[str, Country] = {
    "US": Country(("James", "Mary", "Michael", "Jennifer", "David", "Emily", "Chris", "Ashley", "Daniel", "Olivia"),
                  ("Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson",
                   "Nguyen"),
                  US_STATES, ("Main St", "Oak Ave", "Maple Dr", "Pine St", "Cedar Ln", "Elm St", "Lake Rd"),
                  "+1 ### 555 ####", _western, _number_first, EN_RETURNS, EN_CANCELS),
    "GB": Country(("Oliver", "Amelia", "George", "Isla", "Harry", "Ava", "Jack", "Sophie", "Noah", "Grace"),
                  ("Smith", "Jones", "Taylor", "Brown", "Evans", "Wilson", "Thomas", "Roberts", "Walker", "Wright"),
                  (Place("London", "Greater London", "SW1# #@@"), Place("Manchester", "", "M# #@@"),
                   Place("Birmingham", "West Midlands", "B# #@@"), Place("Leeds", "West Yorkshire", "LS# #@@"),
                   Place("Edinburgh", "", "EH# #@@"), Place("Bristol", "", "BS# #@@")),
                  ("High Street", "Station Road", "Church Lane", "Victoria Road", "Park Avenue", "Mill Lane"),
                  "+44 7### ######", _western, _number_first, EN_RETURNS, EN_CANCELS),
    "DE": Country(("Lukas", "Anna", "Jürgen", "Sophie", "Maximilian", "Lea", "Björn", "Hannah", "Jörg", "Mia"),
                  ("Müller", "Schmidt", "Schneider", "Fischer", "Weiß", "Becker", "Schäfer", "Koch", "Bauer",
                   "Groß"),
                  (Place("Berlin", "Berlin", "10###"), Place("München", "Bayern", "80###"),
                   Place("Hamburg", "Hamburg", "20###"), Place("Köln", "Nordrhein-Westfalen", "50###"),
                   Place("Frankfurt am Main", "Hessen", "60###"), Place("Leipzig", "Sachsen", "04###")),
                  ("Hauptstraße", "Schillerstraße", "Goethestraße", "Bahnhofstraße", "Lindenallee", "Gartenweg"),
                  "+49 15# #######", _western, _number_after,
                  ("Beschädigt angekommen", "Entspricht nicht der Beschreibung", "Falsche Größe"),
                  ("Versehentlich bestellt", "Lieferung dauert zu lange")),
    "FR": Country(("Léa", "Hugo", "Chloé", "Louis", "Manon", "Gabriel", "Inès", "Jules", "Zoé", "Théo"),
                  ("Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Girard", "Rousseau", "Fontaine", "Mercier",
                   "Boucher"),
                  (Place("Paris", "Île-de-France", "750##"), Place("Lyon", "Auvergne-Rhône-Alpes", "6900#"),
                   Place("Marseille", "Provence-Alpes-Côte d'Azur", "130##"), Place("Toulouse", "Occitanie", "3100#"),
                   Place("Bordeaux", "Nouvelle-Aquitaine", "3300#")),
                  ("rue de la République", "avenue Victor-Hugo", "boulevard Saint-Michel", "rue des Écoles",
                   "place de l'Église"),
                  "+33 6 ## ## ## ##", _western, _french,
                  ("Arrivé endommagé", "Ne correspond pas à la description"), ("Commandé par erreur",)),
    "IT": Country(("Giulia", "Luca", "Francesca", "Marco", "Chiara", "Matteo", "Sofia", "Niccolò", "Aurora",
                   "Lorenzo"),
                  ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino",
                   "Bruno"),
                  (Place("Roma", "RM", "001##"), Place("Milano", "MI", "201##"), Place("Napoli", "NA", "801##"),
                   Place("Torino", "TO", "101##"), Place("Firenze", "FI", "501##")),
                  ("Via Roma", "Via Garibaldi", "Corso Vittorio Emanuele II", "Via Dante", "Piazza della Libertà"),
                  "+39 3## ### ####", _western, _italian, ("Arrivato danneggiato", "Taglia sbagliata"),
                  ("Ordinato per errore",)),
    "ES": Country(("Lucía", "Hugo", "Martina", "Álvaro", "Sofía", "Pablo", "María", "Sergio", "Paula", "Íñigo"),
                  ("García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez",
                   "Gómez", "Muñoz"),
                  (Place("Madrid", "Madrid", "280##"), Place("Barcelona", "Barcelona", "080##"),
                   Place("Sevilla", "Sevilla", "410##"), Place("Valencia", "Valencia", "460##"),
                   Place("Málaga", "Málaga", "290##")),
                  ("Calle Mayor", "Calle de Alcalá", "Avenida de la Constitución", "Calle Real", "Paseo de Gracia"),
                  "+34 6## ### ###", _hispanic, _spanish, ("Llegó dañado", "No es lo que esperaba"),
                  ("Pedido por error",)),
    "JP": Country(("太郎", "花子", "健太", "美咲", "翔太", "陽菜", "大輔", "さくら", "悠真", "結衣"),
                  ("佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤"),
                  (Place("渋谷区", "東京都", "150-00##", ("神宮前", "渋谷", "恵比寿")),
                   Place("新宿区", "東京都", "160-00##", ("西新宿", "高田馬場", "四谷")),
                   Place("大阪市北区", "大阪府", "530-00##", ("梅田", "天神橋")),
                   Place("横浜市中区", "神奈川県", "231-00##", ("山下町", "元町")),
                   Place("名古屋市中区", "愛知県", "460-00##", ("栄", "錦")),
                   Place("札幌市中央区", "北海道", "060-00##", ("大通西", "南一条西")),
                   Place("福岡市博多区", "福岡県", "812-00##", ("博多駅前", "中洲"))),
                  ("本町",),
                  "090-####-####", _family_first, _japanese,
                  ("商品が破損していました", "説明と違いました", "サイズが合いませんでした"),
                  ("間違えて注文しました", "配送が遅いため")),
    "SG": Country(("Wei Ling", "Jun Jie", "Hui Min", "Siti", "Arjun", "Priya", "Marcus", "Rachel"),
                  ("Tan", "Lim", "Lee", "Ng", "Wong", "Goh", "Chua", "Kumar"),
                  (Place("Singapore", "", "56####"), Place("Singapore", "", "31####"),
                   Place("Singapore", "", "46####"), Place("Singapore", "", "52####")),
                  ("Ang Mo Kio Ave 3", "Toa Payoh Lor 1", "Bedok North St 2", "Tampines St 21", "Jurong West St 52"),
                  "+65 9### ####", _family_first, _singapore, EN_RETURNS, EN_CANCELS),
    "MY": Country(("Nurul Aisyah", "Muhammad Hafiz", "Siti Nur", "Wei Ming", "Mei Ling", "Kavitha", "Ahmad Faiz"),
                  ("Abdullah", "Ismail", "Tan", "Lim", "Wong", "Raj", "Hassan"),
                  (Place("Kuala Lumpur", "Wilayah Persekutuan", "50###"),
                   Place("Petaling Jaya", "Selangor", "47###"), Place("Johor Bahru", "Johor", "80###"),
                   Place("George Town", "Pulau Pinang", "10###"), Place("Kota Kinabalu", "Sabah", "88###")),
                  ("Jalan SS 2/24", "Jalan Ampang", "Jalan Bukit Bintang", "Jalan Tun Razak", "Lorong Kenari 3"),
                  "+60 1#-### ####", _western, _malaysian, ("Barang rosak", "Saiz tidak sesuai"),
                  ("Tersilap pesan",)),
    "TH": Country(("สมชาย", "สุดา", "ธนพล", "กนกวรรณ", "ณัฐพล", "พิมพ์ชนก", "วีระ", "อรุณี"),
                  ("ใจดี", "ศรีสุข", "วงศ์ใหญ่", "แสงทอง", "บุญมา", "รัตนพันธ์", "สุขสวัสดิ์"),
                  (Place("เขตบางรัก", "กรุงเทพมหานคร", "10500", ("ถนนสีลม", "ถนนสุรวงศ์")),
                   Place("เขตคลองเตย", "กรุงเทพมหานคร", "10110", ("ถนนสุขุมวิท", "ถนนพระราม 4")),
                   Place("เขตจตุจักร", "กรุงเทพมหานคร", "10900", ("ถนนพหลโยธิน", "ถนนวิภาวดีรังสิต")),
                   Place("อำเภอเมืองเชียงใหม่", "เชียงใหม่", "50###", ("ถนนนิมมานเหมินท์", "ถนนห้วยแก้ว")),
                   Place("อำเภอเมืองภูเก็ต", "ภูเก็ต", "83000", ("ถนนรัษฎา", "ถนนเทพกระษัตรี"))),
                  ("ถนนเพชรเกษม",),
                  "+66 8# ### ####", _western, _thai, ("สินค้าชำรุด", "สินค้าไม่ตรงปก"), ("สั่งผิด",)),
    "PH": Country(("Juan", "Maria", "Jose", "Angelica", "Mark", "Kristine", "Paolo", "Jasmine"),
                  ("dela Cruz", "Santos", "Reyes", "Bautista", "Garcia", "Mendoza", "Villanueva"),
                  (Place("Quezon City", "Metro Manila", "11##"), Place("Makati", "Metro Manila", "12##"),
                   Place("Cebu City", "Cebu", "6000"), Place("Davao City", "Davao del Sur", "8000")),
                  ("Katipunan Ave", "Ayala Ave", "Osmeña Blvd", "J.P. Laurel Ave", "Rizal St"),
                  "+63 9## ### ####", _western, _philippine, EN_RETURNS, EN_CANCELS),
    "VN": Country(("Văn An", "Thị Lan", "Minh Tuấn", "Thu Hà", "Quốc Bảo", "Ngọc Anh", "Đức Huy"),
                  ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng"),
                  (Place("Quận 1, TP. Hồ Chí Minh", "Hồ Chí Minh", "700000"),
                   Place("Quận Hoàn Kiếm, Hà Nội", "Hà Nội", "100000"),
                   Place("Quận Hải Châu, Đà Nẵng", "Đà Nẵng", "550000")),
                  ("Lê Lợi", "Nguyễn Huệ", "Hàng Bài", "Trần Phú", "Điện Biên Phủ"),
                  "+84 9# ### ## ##", _family_first, _vietnamese, ("Hàng bị hỏng", "Không đúng mô tả"),
                  ("Đặt nhầm",)),
    "ID": Country(("Budi", "Siti", "Agus", "Dewi", "Rizky", "Putri", "Eko", "Ayu"),
                  ("Santoso", "Rahayu", "Wijaya", "Saputra", "Hidayat", "Kusuma", "Pratama"),
                  (Place("Jakarta Selatan", "DKI Jakarta", "12###"), Place("Bandung", "Jawa Barat", "40###"),
                   Place("Surabaya", "Jawa Timur", "60###"), Place("Denpasar", "Bali", "80###")),
                  ("Jl. Jend. Sudirman", "Jl. Gatot Subroto", "Jl. Diponegoro", "Jl. Merdeka", "Jl. Kebon Jeruk"),
                  "+62 81#-####-####", _western, _indonesian, ("Barang rusak", "Tidak sesuai deskripsi"),
                  ("Salah pesan",)),
    "MX": Country(("José", "Guadalupe", "Juan Carlos", "María Fernanda", "Alejandro", "Ximena", "Andrés"),
                  ("Hernández", "García", "Martínez", "López", "González", "Pérez", "Rodríguez"),
                  (Place("Ciudad de México", "CDMX", "03###"), Place("Guadalajara", "Jalisco", "44###"),
                   Place("Monterrey", "Nuevo León", "64###"), Place("Puebla", "Puebla", "72###")),
                  ("Av. Insurgentes Sur", "Calle Reforma", "Av. Juárez", "Calle Hidalgo", "Av. Chapultepec"),
                  "+52 55 #### ####", _hispanic, _latin_american, ("Llegó dañado", "No es lo que esperaba"),
                  ("Lo pedí por error",)),
    "BR": Country(("João", "Maria", "Ana Clara", "Lucas", "Júlia", "Gabriel", "Beatriz", "Thiago"),
                  ("da Silva", "Santos", "Oliveira", "Souza", "Pereira", "Lima", "Conceição"),
                  (Place("São Paulo", "SP", "01###-###"), Place("Rio de Janeiro", "RJ", "22###-###"),
                   Place("Belo Horizonte", "MG", "30###-###"), Place("Curitiba", "PR", "80###-###")),
                  ("Av. Paulista", "Rua Augusta", "Av. Atlântica", "Rua da Consolação", "Av. Afonso Pena"),
                  "+55 11 9####-####", _western, _brazilian, ("Chegou danificado", "Não é o que eu esperava"),
                  ("Pedi por engano",)),
    "AU": Country(("Jack", "Charlotte", "William", "Mia", "Lachlan", "Chloe", "Thomas", "Ruby"),
                  ("Smith", "Jones", "Williams", "Brown", "Wilson", "Taylor", "Nguyen", "Kelly"),
                  (Place("Sydney", "NSW", "20##"), Place("Melbourne", "VIC", "30##"), Place("Brisbane", "QLD", "40##"),
                   Place("Perth", "WA", "60##"), Place("Adelaide", "SA", "50##")),
                  ("George St", "Collins St", "Queen St", "King William St", "Hay St"),
                  "+61 4## ### ###", _western, _number_first, EN_RETURNS, EN_CANCELS),
    "AE": Country(("محمد", "فاطمة", "أحمد", "مريم", "خالد", "نورة", "سعيد", "عائشة"),
                  ("الحمادي", "المنصوري", "الشامسي", "الكعبي", "النعيمي", "الظاهري"),
                  # The UAE has no postal codes.
                  (Place("دبي", "دبي", ""), Place("أبوظبي", "أبوظبي", ""), Place("الشارقة", "الشارقة", ""),
                   Place("العين", "أبوظبي", "")),
                  ("شارع الشيخ زايد", "شارع الوصل", "شارع الكورنيش", "شارع حمدان", "شارع المطار"),
                  "+971 5# ### ####", _western, _arabic, ("المنتج وصل تالفاً", "المقاس غير مناسب"),
                  ("طلبت بالخطأ",)),
    "SA": Country(("عبدالله", "نورة", "فهد", "سارة", "سلطان", "ريم", "تركي", "هيفاء"),
                  ("العتيبي", "القحطاني", "الشمري", "الدوسري", "الغامدي", "الزهراني"),
                  (Place("الرياض", "منطقة الرياض", "12###"), Place("جدة", "منطقة مكة المكرمة", "23###"),
                   Place("الدمام", "المنطقة الشرقية", "32###"), Place("المدينة المنورة", "منطقة المدينة المنورة",
                                                                      "42###")),
                  ("طريق الملك فهد", "شارع التحلية", "طريق الأمير سلطان", "شارع العليا", "طريق الملك عبدالعزيز"),
                  "+966 5# ### ####", _western, _arabic, ("المنتج وصل تالفاً", "غير مطابق للوصف"),
                  ("طلبت بالخطأ",)),
}


def buyer_make(country: str, rng: random.Random) -> tuple[dict[str, Any], dict[str, Any]]:
    """A buyer and their shipping address, as the order-placed payload carries them. Countries without data of
    their own get an English-speaking buyer at an address in that country."""
    data = COUNTRIES.get(country, COUNTRIES["US"])
    name = data.name(rng.choice(data.given), rng.choice(data.family), rng)
    place = rng.choice(data.places)
    line1, line2 = data.address(rng.choice(place.streets or data.streets), place, rng)
    phone = _digits(data.phone, rng)
    # Marketplaces hand sellers a relay address, not the buyer's own.
    email = f"{''.join(rng.choices(string.ascii_lowercase + string.digits, k=12))}@buyers.marketplace.example"
    buyer = {"name": name, "email": email, "phone": phone}
    address: dict[str, Any] = {"name": name, "line1": line1, "city": place.city, "country": country,
                               "phone": phone}
    if line2:
        address["line2"] = line2
    if place.region:
        address["region"] = place.region
    if place.postal:
        address["postal_code"] = _digits(place.postal, rng)
    return buyer, address


# How the marketplace codes what buyers write when they ask to return.
RETURN_REASON_CODES = {
    "Arrived damaged": "damaged", "Not as described": "not_as_described", "No longer needed": "no_longer_needed",
    "Wrong size": "wrong_size", "Stopped working": "defective",
    "Beschädigt angekommen": "damaged", "Entspricht nicht der Beschreibung": "not_as_described",
    "Falsche Größe": "wrong_size", "Arrivé endommagé": "damaged",
    "Ne correspond pas à la description": "not_as_described", "Arrivato danneggiato": "damaged",
    "Taglia sbagliata": "wrong_size", "Llegó dañado": "damaged", "No es lo que esperaba": "not_as_described",
    "商品が破損していました": "damaged", "説明と違いました": "not_as_described",
    "サイズが合いませんでした": "wrong_size",
    "Barang rosak": "damaged", "Saiz tidak sesuai": "wrong_size", "สินค้าชำรุด": "damaged",
    "สินค้าไม่ตรงปก": "not_as_described", "Hàng bị hỏng": "damaged", "Không đúng mô tả": "not_as_described",
    "Barang rusak": "damaged", "Tidak sesuai deskripsi": "not_as_described", "Chegou danificado": "damaged",
    "Não é o que eu esperava": "not_as_described", "المنتج وصل تالفاً": "damaged", "المقاس غير مناسب": "wrong_size",
    "غير مطابق للوصف": "not_as_described",
}


def return_reason_pick(country: str, rng: random.Random) -> tuple[str, str]:
    """A return's reason code and what the buyer of ``country`` wrote."""
    text = reason_pick(country, rng, kind="return")
    return RETURN_REASON_CODES.get(text, "other"), text


def reason_pick(country: str, rng: random.Random, *, kind: str) -> str:
    """What a buyer of ``country`` writes when asking to cancel (``kind="cancel"``) or to return."""
    data = COUNTRIES.get(country, COUNTRIES["US"])
    return rng.choice((data.cancels or EN_CANCELS) if kind == "cancel" else (data.returns or EN_RETURNS))
