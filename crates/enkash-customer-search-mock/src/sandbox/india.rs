//! Reference data for realistic Indian customers, and the identifiers with rules: PAN, GSTIN
//! (with its real check character), IFSC and account numbers, PIN codes and mobile numbers.
//!
//! Everything is invented: the lists hold common words and names, the e-mail domains end in the
//! reserved `.example`, and no identifier belongs to a real business except by chance.

use super::rng::{DIGITS, Dice, UPPER, UPPER_ALNUM};

/// A state with its GST state code and some cities with a 3-digit PIN code prefix each.
pub(crate) struct State {
    pub name: &'static str,
    /// The two-digit GST state code that starts a GSTIN registered in the state.
    pub gst_code: &'static str,
    pub cities: &'static [(&'static str, &'static str)],
    /// How common the state is in the data set.
    pub weight: u64,
}

pub(crate) const STATES: &[State] = &[
    State {
        name: "Maharashtra",
        gst_code: "27",
        cities: &[
            ("Mumbai", "400"),
            ("Pune", "411"),
            ("Nagpur", "440"),
            ("Nashik", "422"),
            ("Aurangabad", "431"),
        ],
        weight: 18,
    },
    State {
        name: "Karnataka",
        gst_code: "29",
        cities: &[
            ("Bengaluru", "560"),
            ("Mysuru", "570"),
            ("Hubballi", "580"),
            ("Mangaluru", "575"),
        ],
        weight: 10,
    },
    State {
        name: "Tamil Nadu",
        gst_code: "33",
        cities: &[
            ("Chennai", "600"),
            ("Coimbatore", "641"),
            ("Madurai", "625"),
            ("Salem", "636"),
        ],
        weight: 10,
    },
    State {
        name: "Gujarat",
        gst_code: "24",
        cities: &[
            ("Ahmedabad", "380"),
            ("Surat", "395"),
            ("Vadodara", "390"),
            ("Rajkot", "360"),
        ],
        weight: 10,
    },
    State {
        name: "Delhi",
        gst_code: "07",
        cities: &[("New Delhi", "110")],
        weight: 9,
    },
    State {
        name: "Uttar Pradesh",
        gst_code: "09",
        cities: &[
            ("Lucknow", "226"),
            ("Kanpur", "208"),
            ("Noida", "201"),
            ("Varanasi", "221"),
            ("Agra", "282"),
        ],
        weight: 8,
    },
    State {
        name: "West Bengal",
        gst_code: "19",
        cities: &[
            ("Kolkata", "700"),
            ("Howrah", "711"),
            ("Siliguri", "734"),
            ("Durgapur", "713"),
        ],
        weight: 6,
    },
    State {
        name: "Telangana",
        gst_code: "36",
        cities: &[("Hyderabad", "500"), ("Warangal", "506")],
        weight: 6,
    },
    State {
        name: "Rajasthan",
        gst_code: "08",
        cities: &[("Jaipur", "302"), ("Jodhpur", "342"), ("Udaipur", "313")],
        weight: 4,
    },
    State {
        name: "Kerala",
        gst_code: "32",
        cities: &[
            ("Kochi", "682"),
            ("Thiruvananthapuram", "695"),
            ("Kozhikode", "673"),
        ],
        weight: 3,
    },
    State {
        name: "Haryana",
        gst_code: "06",
        cities: &[
            ("Gurugram", "122"),
            ("Faridabad", "121"),
            ("Panipat", "132"),
        ],
        weight: 4,
    },
    State {
        name: "Punjab",
        gst_code: "03",
        cities: &[
            ("Ludhiana", "141"),
            ("Amritsar", "143"),
            ("Jalandhar", "144"),
        ],
        weight: 3,
    },
    State {
        name: "Madhya Pradesh",
        gst_code: "23",
        cities: &[("Indore", "452"), ("Bhopal", "462"), ("Gwalior", "474")],
        weight: 3,
    },
    State {
        name: "Andhra Pradesh",
        gst_code: "37",
        cities: &[
            ("Visakhapatnam", "530"),
            ("Vijayawada", "520"),
            ("Guntur", "522"),
        ],
        weight: 2,
    },
    State {
        name: "Bihar",
        gst_code: "10",
        cities: &[("Patna", "800"), ("Gaya", "823")],
        weight: 1,
    },
    State {
        name: "Odisha",
        gst_code: "21",
        cities: &[("Bhubaneswar", "751"), ("Cuttack", "753")],
        weight: 1,
    },
    State {
        name: "Goa",
        gst_code: "30",
        cities: &[("Panaji", "403"), ("Margao", "403")],
        weight: 1,
    },
    State {
        name: "Assam",
        gst_code: "18",
        cities: &[("Guwahati", "781")],
        weight: 1,
    },
];

/// A bank with its 4-letter IFSC prefix and the length of its account numbers.
pub(crate) struct Bank {
    pub name: &'static str,
    pub ifsc_prefix: &'static str,
    pub account_digits: usize,
}

pub(crate) const BANKS: &[Bank] = &[
    Bank {
        name: "State Bank of India",
        ifsc_prefix: "SBIN",
        account_digits: 11,
    },
    Bank {
        name: "HDFC Bank",
        ifsc_prefix: "HDFC",
        account_digits: 14,
    },
    Bank {
        name: "ICICI Bank",
        ifsc_prefix: "ICIC",
        account_digits: 12,
    },
    Bank {
        name: "Axis Bank",
        ifsc_prefix: "UTIB",
        account_digits: 15,
    },
    Bank {
        name: "Kotak Mahindra Bank",
        ifsc_prefix: "KKBK",
        account_digits: 10,
    },
    Bank {
        name: "Punjab National Bank",
        ifsc_prefix: "PUNB",
        account_digits: 16,
    },
    Bank {
        name: "Bank of Baroda",
        ifsc_prefix: "BARB",
        account_digits: 14,
    },
    Bank {
        name: "Canara Bank",
        ifsc_prefix: "CNRB",
        account_digits: 13,
    },
    Bank {
        name: "Union Bank of India",
        ifsc_prefix: "UBIN",
        account_digits: 15,
    },
    Bank {
        name: "IndusInd Bank",
        ifsc_prefix: "INDB",
        account_digits: 12,
    },
    Bank {
        name: "Yes Bank",
        ifsc_prefix: "YESB",
        account_digits: 15,
    },
    Bank {
        name: "IDFC FIRST Bank",
        ifsc_prefix: "IDFB",
        account_digits: 11,
    },
    Bank {
        name: "Federal Bank",
        ifsc_prefix: "FDRL",
        account_digits: 14,
    },
];

/// The first word of many Indian business names.
pub(crate) const NAME_PREFIXES: &[&str] = &[
    "Shree", "Sri", "Jai", "Om", "Maa", "Sai", "New", "Royal", "Global", "National", "Bharat",
    "Navin", "Prime", "Star", "Supreme", "Golden",
];

/// The distinctive word of a business name: deities, rivers, mountains, virtues.
pub(crate) const NAME_CORES: &[&str] = &[
    "Ganesh",
    "Kaveri",
    "Balaji",
    "Lakshmi",
    "Krishna",
    "Ambika",
    "Narmada",
    "Himalaya",
    "Sahyadri",
    "Godavari",
    "Annapurna",
    "Durga",
    "Vinayak",
    "Mahalaxmi",
    "Saraswati",
    "Tirupati",
    "Ashoka",
    "Indus",
    "Ganga",
    "Yamuna",
    "Vindhya",
    "Aravali",
    "Konark",
    "Nilgiri",
    "Sagar",
    "Kamdhenu",
    "Shakti",
    "Siddhi",
    "Om Sai",
    "Jagdamba",
    "Hanuman",
    "Venkateshwara",
    "Murugan",
    "Ajanta",
    "Ellora",
    "Triveni",
    "Sangam",
    "Amrit",
    "Kalpataru",
    "Vaishnavi",
];

/// What the business does.
pub(crate) const TRADES: &[&str] = &[
    "Traders",
    "Agro Foods",
    "Textiles",
    "Steel",
    "Pharma",
    "Electricals",
    "Logistics",
    "Motors",
    "Polymers",
    "Chemicals",
    "Builders",
    "Hardware",
    "Auto Parts",
    "Packaging",
    "Dairy",
    "Spices",
    "Garments",
    "Paper Mills",
    "Ceramics",
    "Infotech",
    "Engineering Works",
    "Cold Storage",
    "Cement Agencies",
    "Jewellers",
    "Distributors",
    "Enterprises",
    "Industries",
    "Exports",
];

/// A kind of legal entity: its name suffix, the fourth letter of its PAN, and how common it is.
pub(crate) struct Entity {
    pub suffixes: &'static [&'static str],
    pub pan_letter: char,
    pub weight: u64,
}

pub(crate) const ENTITIES: &[Entity] = &[
    // Private and public limited companies.
    Entity {
        suffixes: &["Pvt Ltd", "Private Limited", "Ltd"],
        pan_letter: 'C',
        weight: 45,
    },
    // Partnership firms and LLPs.
    Entity {
        suffixes: &["& Co", "LLP", "& Sons", ""],
        pan_letter: 'F',
        weight: 25,
    },
    // Proprietorships: the proprietor's own PAN.
    Entity {
        suffixes: &[""],
        pan_letter: 'P',
        weight: 25,
    },
    // Hindu undivided families.
    Entity {
        suffixes: &["(HUF)"],
        pan_letter: 'H',
        weight: 5,
    },
];

pub(crate) const FIRST_NAMES: &[&str] = &[
    "Aarav", "Aditi", "Amit", "Ananya", "Anil", "Anita", "Arjun", "Deepa", "Divya", "Gaurav",
    "Harish", "Ishaan", "Kavya", "Kiran", "Lakshmi", "Manoj", "Meera", "Mohan", "Neha", "Nikhil",
    "Pooja", "Pradeep", "Priya", "Rahul", "Rajesh", "Ramesh", "Ravi", "Rohit", "Sandeep", "Sanjay",
    "Shreya", "Sneha", "Suresh", "Swati", "Tanvi", "Usha", "Varun", "Vijay", "Vikram", "Yash",
];

pub(crate) const SURNAMES: &[&str] = &[
    "Agarwal",
    "Banerjee",
    "Bhat",
    "Chatterjee",
    "Choudhary",
    "Desai",
    "Gupta",
    "Iyer",
    "Jain",
    "Joshi",
    "Kapoor",
    "Khan",
    "Kulkarni",
    "Kumar",
    "Mehta",
    "Menon",
    "Mishra",
    "Nair",
    "Naidu",
    "Patel",
    "Pillai",
    "Rao",
    "Reddy",
    "Saxena",
    "Shah",
    "Sharma",
    "Shetty",
    "Singh",
    "Sinha",
    "Srinivasan",
    "Thakur",
    "Verma",
    "Yadav",
];

/// Street names for addresses.
pub(crate) const STREETS: &[&str] = &[
    "MG Road",
    "Station Road",
    "Nehru Nagar",
    "Gandhi Marg",
    "Industrial Area Phase 2",
    "MIDC",
    "Ring Road",
    "Market Yard",
    "Transport Nagar",
    "Civil Lines",
    "Sector 18",
    "GIDC Estate",
    "Anna Salai",
    "Park Street",
    "Link Road",
    "Old Bazaar",
];

/// The AR users of the sandbox company: (user id, name), who create and modify customers.
pub(crate) const USERS: &[(&str, &str)] = &[
    ("USR0001", "Rahul Verma"),
    ("USR0002", "Anita Desai"),
    ("USR0003", "Suresh Iyer"),
    ("USR0004", "Meera Nair"),
    ("USR0005", "Vikram Singh"),
    ("USR0006", "Pooja Shah"),
    ("USR0007", "Arjun Reddy"),
    ("USR0008", "Kavya Menon"),
];

/// Collection agents a customer may be assigned to.
pub(crate) const AGENTS: &[&str] = &[
    "Priya Sharma",
    "Rohit Gupta",
    "Sneha Kulkarni",
    "Manoj Yadav",
    "Deepa Pillai",
    "Gaurav Mehta",
    "Usha Rao",
    "Nikhil Joshi",
    "Tanvi Kapoor",
    "Harish Naidu",
    "Swati Banerjee",
    "Sanjay Thakur",
];

/// Branch codes of the sandbox company.
pub(crate) const BRANCH_CODES: &[&str] = &[
    "MUM-01", "MUM-02", "PUN-01", "BLR-01", "BLR-02", "DEL-01", "CHE-01", "HYD-01", "KOL-01",
    "AHM-01",
];

/// Warnings a customer record may carry.
pub(crate) const WARNINGS: &[&str] = &[
    "Bank account not verified",
    "Duplicate contact number",
    "Credit limit exceeded",
    "Key contact e-mail bounced",
];

/// A PAN (`AAAAA9999A`): three letters, the holder-type letter, the first letter of the
/// holder's (sur)name, four digits and a letter. The real last letter is a check character
/// whose algorithm is not published, so it is random here.
pub(crate) fn pan(rng: &mut Dice, holder_type: char, name_initial: char) -> String {
    let mut pan = rng.string_from(UPPER, 3);
    pan.push(holder_type);
    pan.push(name_initial.to_ascii_uppercase());
    pan.push_str(&format!("{:04}", rng.range(1, 9999)));
    pan.push(char::from(*rng.pick(UPPER)));
    pan
}

/// A GSTIN: state code, PAN, the registration's number within the state (`1` mostly), `Z`,
/// and the check character.
pub(crate) fn gstin(rng: &mut Dice, state_code: &str, pan: &str) -> String {
    let entity = if rng.chance(90) {
        '1'
    } else {
        char::from(b'2' + rng.below(8) as u8)
    };
    let body = format!("{state_code}{pan}{entity}Z");
    let check = gstin_check_char(&body);
    format!("{body}{check}")
}

/// The GSTIN check character of its first 14 characters: over the base-36 values of the
/// characters, weights 1 and 2 alternating from the left, each product reduced to the sum of
/// its base-36 digits; the check value is what brings the sum to a multiple of 36 (a Luhn
/// mod-36 variant, as the GST network computes it).
pub(crate) fn gstin_check_char(first_14: &str) -> char {
    let sum: u32 = first_14
        .bytes()
        .enumerate()
        .map(|(i, c)| {
            let value = base36(c);
            let product = value * if i % 2 == 0 { 1 } else { 2 };
            product / 36 + product % 36
        })
        .sum();
    char::from(UPPER_ALNUM[((36 - sum % 36) % 36) as usize])
}

fn base36(c: u8) -> u32 {
    match c {
        b'0'..=b'9' => u32::from(c - b'0'),
        b'A'..=b'Z' => u32::from(c - b'A') + 10,
        _ => 0,
    }
}

/// An IFSC: the bank's 4 letters, `0`, and a 6-character branch code (digits, as most banks
/// use).
pub(crate) fn ifsc(rng: &mut Dice, bank: &Bank) -> String {
    format!("{}0{:06}", bank.ifsc_prefix, rng.range(1, 99_999))
}

/// An account number of the bank's usual length.
pub(crate) fn account_number(rng: &mut Dice, bank: &Bank) -> String {
    rng.digits_nonzero_first(bank.account_digits)
}

/// A 6-digit PIN code in the city's range.
pub(crate) fn pin_code(rng: &mut Dice, prefix: &str) -> String {
    format!("{prefix}{:03}", rng.range(1, 99))
}

/// A 10-digit Indian mobile number (they start with 6, 7, 8 or 9).
pub(crate) fn mobile(rng: &mut Dice) -> String {
    let mut number = String::with_capacity(10);
    number.push(char::from(b'6' + rng.below(4) as u8));
    number.push_str(&rng.string_from(DIGITS, 9));
    number
}

/// Lower-case letters and digits of `name`, for e-mail addresses.
pub(crate) fn slug(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gstin_check_characters_of_published_gstins() {
        // The spec's example and GSTINs quoted in public GST material.
        for gstin in ["27AAPFU0939F1ZV", "29AAGCB7383J1Z4", "24AAACC1206D1ZM"] {
            assert_eq!(
                gstin_check_char(&gstin[..14]),
                gstin.chars().last().unwrap(),
                "{gstin}"
            );
        }
    }

    #[test]
    fn identifiers_have_their_shapes() {
        let mut rng = Dice::new(1);
        for _ in 0..1000 {
            let pan = pan(&mut rng, 'C', 'k');
            let b = pan.as_bytes();
            assert_eq!(b.len(), 10, "{pan}");
            assert!(b[..5].iter().all(u8::is_ascii_uppercase), "{pan}");
            assert_eq!((b[3], b[4]), (b'C', b'K'), "{pan}");
            assert!(b[5..9].iter().all(u8::is_ascii_digit), "{pan}");
            assert!(b[9].is_ascii_uppercase(), "{pan}");
            let gstin = gstin(&mut rng, "27", &pan);
            assert_eq!(gstin.len(), 15);
            assert_eq!(&gstin[..2], "27");
            assert_eq!(&gstin[2..12], pan);
            assert_eq!(&gstin[13..14], "Z");
            assert_eq!(
                gstin_check_char(&gstin[..14]),
                gstin.chars().last().unwrap()
            );
            let number = mobile(&mut rng);
            assert!(number.len() == 10 && matches!(&number[..1], "6" | "7" | "8" | "9"));
            for bank in BANKS {
                let ifsc = ifsc(&mut rng, bank);
                assert_eq!(ifsc.len(), 11);
                assert_eq!(&ifsc[4..5], "0");
                assert_eq!(account_number(&mut rng, bank).len(), bank.account_digits);
            }
        }
    }
}
