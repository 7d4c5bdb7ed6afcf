//! Text that looks like personal data: a СНИЛС, a phone number, an e-mail address. Events are
//! hashed forever and carry pseudonymous ids only (names, СНИЛС and contacts live in the erasable
//! personal-data directory), so a free-text field that carries one is refused before it is
//! written, naming the field. What this cannot see (a name in prose, an address) stays the
//! recorder's duty; ARCHITECTURE.md says so.

/// What a piece of text looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonalDataShape {
    /// Eleven digits whose last two are the СНИЛС check number of the first nine.
    Snils,
    /// A Russian phone number: +7/7/8 and ten digits, or a ten-digit mobile number (9…).
    Phone,
    /// `local@domain.tld`.
    Email,
}

impl PersonalDataShape {
    /// The shape in the officials' words.
    pub fn russian_name(self) -> &'static str {
        match self {
            PersonalDataShape::Snils => "СНИЛС",
            PersonalDataShape::Phone => "номер телефона",
            PersonalDataShape::Email => "адрес электронной почты",
        }
    }
}

/// The first piece of `text` shaped like personal data, if any.
pub fn personal_data_shape(text: &str) -> Option<PersonalDataShape> {
    if has_email(text) {
        return Some(PersonalDataShape::Email);
    }
    number_runs(text).find_map(|run| run_shape(text, &run))
}

/// Digits longer than this in one run are not a number people write by hand.
const RUN_DIGITS_MAX: usize = 32;
/// How far before a bare number a cue word («СНИЛС», «тел.») is looked for, in bytes.
const CUE_BYTES_MAX: usize = 24;

/// A run of digits and the separators people write numbers with (`+7 (914) 123-45-67`,
/// `123-456-789 01`): where it starts, its digits, the lengths of its digit groups, and
/// whether it began with `+`.
struct NumberRun {
    start: usize,
    digits: Vec<u8>,
    groups: Vec<usize>,
    plus: bool,
}

fn number_runs(text: &str) -> impl Iterator<Item = NumberRun> + '_ {
    let mut chars = text.char_indices().peekable();
    std::iter::from_fn(move || loop {
        // Skip to the start of a run: a digit, or a `+` right before one.
        let (start, first) = chars.next()?;
        let plus = first == '+';
        let digit_follows = chars.peek().is_some_and(|(_, next)| next.is_ascii_digit());
        if !(first.is_ascii_digit() || (plus && digit_follows)) {
            continue;
        }
        let mut run = NumberRun { start, digits: Vec::new(), groups: Vec::new(), plus };
        let mut group = 0usize;
        if let Some(digit) = first.to_digit(10) {
            run.digits.push(u8::try_from(digit).unwrap_or(0));
            group = 1;
        }
        // Separators in a row: `) ` and ` (` are two, three is the end of the number.
        let mut separators_in_a_row = 0u8;
        while let Some(&(_, next)) = chars.peek() {
            if next.is_ascii_digit() {
                if run.digits.len() < RUN_DIGITS_MAX {
                    run.digits.push(u8::try_from(next.to_digit(10).unwrap_or(0)).unwrap_or(0));
                }
                group = group.saturating_add(1);
                separators_in_a_row = 0;
            } else if matches!(next, ' ' | '-' | '(' | ')' | '\u{a0}') && separators_in_a_row < 2 {
                if group > 0 {
                    run.groups.push(group);
                }
                group = 0;
                separators_in_a_row += 1;
            } else {
                break;
            }
            chars.next();
        }
        if group > 0 {
            run.groups.push(group);
        }
        return Some(run);
    })
}

fn run_shape(text: &str, run: &NumberRun) -> Option<PersonalDataShape> {
    let digits = &run.digits;
    let before = cue_window(text, run.start);
    let snils_written = run.groups == [3, 3, 3, 2] || run.groups == [9, 2];
    if digits.len() == 11
        && (snils_written || before.contains("снилс"))
        && snils_check_matches(digits)
    {
        return Some(PersonalDataShape::Snils);
    }
    let first = digits.first().copied();
    let phone_digits = match digits.len() {
        11 => matches!(first, Some(7 | 8)),
        10 => first == Some(9),
        _ => false,
    };
    // A bare run of digits is as likely a certificate or registry number: it is a phone only
    // when written as phones are (`+7…`, or in groups that start short: `8 (914) 123-45-67`,
    // `914 123 45 67`) or named as one.
    let phone_written =
        run.plus || (run.groups.len() >= 3 && run.groups.first().is_some_and(|g| *g <= 3));
    let named =
        ["тел", "моб", "phone", "whatsapp", "telegram"].iter().any(|cue| before.contains(cue));
    (phone_digits && (phone_written || named)).then_some(PersonalDataShape::Phone)
}

/// The lowercase text just before `start`, where a cue word would be.
fn cue_window(text: &str, start: usize) -> String {
    let before = text.get(..start).unwrap_or("");
    let mut from = start.saturating_sub(CUE_BYTES_MAX);
    while !before.is_char_boundary(from) {
        from = from.saturating_add(1);
    }
    before.get(from..).unwrap_or("").to_lowercase()
}

/// The СНИЛС check number: the first nine digits weighted 9…1, summed; below 100 it is the sum,
/// 100 and 101 give 00, above that the sum modulo 101 (100 again giving 00).
fn snils_check_matches(digits: &[u8]) -> bool {
    let (Some(number), Some(check)) = (digits.get(..9), digits.get(9..11)) else {
        return false;
    };
    let sum: u32 = number.iter().zip((1..=9u32).rev()).map(|(d, w)| u32::from(*d) * w).sum();
    let expected = match sum {
        0..=99 => sum,
        100 | 101 => 0,
        _ => (sum % 101) % 100,
    };
    let given = check.iter().fold(0u32, |acc, d| acc * 10 + u32::from(*d));
    // The all-zero and repeated-digit numbers are not issued, but look the same to a reader.
    expected == given
}

fn has_email(text: &str) -> bool {
    text.match_indices('@').any(|(at, _)| {
        let before = text.get(..at).unwrap_or("");
        let after = text.get(at + 1..).unwrap_or("");
        let local = before
            .chars()
            .rev()
            .take_while(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-'))
            .count();
        let domain: String =
            after.chars().take_while(|c| c.is_alphanumeric() || matches!(c, '.' | '-')).collect();
        let domain = domain.trim_end_matches('.');
        let labels: Vec<&str> = domain.split('.').collect();
        local > 0
            && labels.len() >= 2
            && labels.iter().all(|label| !label.is_empty())
            && labels.last().is_some_and(|tld| tld.chars().count() >= 2)
    })
}

#[cfg(test)]
mod tests {
    use crate::vocabulary::personal_data::{personal_data_shape, PersonalDataShape};

    fn check(text: &str, expected: Option<PersonalDataShape>) {
        assert_eq!(personal_data_shape(text), expected, "{text:?}");
    }

    #[test]
    fn snils_phones_and_emails_are_seen_as_people_write_them() {
        use PersonalDataShape::{Email, Phone, Snils};
        check("Иванова И. И., СНИЛС 112-233-445 95", Some(Snils));
        check("112-233-445-95", Some(Snils));
        check("СНИЛС 11223344595", Some(Snils));
        check("тел. +7 (914) 123-45-67", Some(Phone));
        check("8-800-555-35-35", Some(Phone));
        check("тел. 89141234567", Some(Phone));
        check("моб. 914 123 45 67", Some(Phone));
        check("писать на ivanova.ii@school38.ru.", Some(Email));
        check("почта: методист@цнппм.рф", Some(Email));
    }

    #[test]
    fn plan_wording_is_not_personal_data() {
        for text in [
            "Распоряжение министерства образования №55-35-мпр от 13.06.2023",
            "2021-2025 2026-2030 годы",
            "01.09.2024 - 31.12.2024",
            "ИНН 3801234567, ОГРН 1023801234567",
            "не менее 9 500 педагогов (95 %)",
            "112-233-445 96",
            "11223344595",
            "ПК-2024-0001234",
            "удостоверение 782412345678",
            "89141234567",
            "семинар @ ИРО",
            "адрес: user@localhost",
            "Приказ № 1234 от 2024 г., п. 5.7.1",
        ] {
            check(text, None);
        }
    }
}
