//! Text folding and slugs: the Vietnamese-aware pure functions behind search and URLs.

use std::sync::OnceLock;

/// Longest slug, in bytes (slugs are ASCII).
pub const MAX_SLUG_LEN: usize = 200;

/// The slug rule as a regular expression for the OpenAPI document (the same rule as
/// [`is_valid_slug`], which a test checks): words of `a-z0-9` joined by single
/// hyphens, not purely digits.
pub const SLUG_PATTERN: &str = "^(?:[a-z0-9]+-)+[a-z0-9]+$|^[a-z0-9]*[a-z][a-z0-9]*$";

/// Cover image URLs: `http(s)://host[:port][/path?query#fragment]`, printable ASCII.
pub const WEB_URL_PATTERN: &str = "^https?://[A-Za-z0-9][A-Za-z0-9.-]*(?::[0-9]{1,5})?(?:[/?#][!-~]*)?$";

/// Whether `url` matches [`WEB_URL_PATTERN`].
pub fn is_web_url(url: &str) -> bool {
    static PATTERN: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    PATTERN.get_or_init(|| regex::Regex::new(WEB_URL_PATTERN).ok()).as_ref().is_some_and(|re| re.is_match(url))
}

/// Longest URL stored (cover images, avatars, SEO URLs), in bytes.
pub const MAX_URL_LEN: usize = 2000;

/// Whether `url` is a URL bantin stores: [`is_web_url`] and at most [`MAX_URL_LEN`] bytes.
pub fn is_stored_url(url: &str) -> bool {
    url.len() <= MAX_URL_LEN && is_web_url(url)
}

/// Folds one character for matching: `đ`/`Đ` become `d`, letters lose tone and vowel
/// marks and are lower-cased, combining marks (from NFD input) vanish (`None`).
/// Every other character maps to exactly one character, so positions in folded text
/// map back to the original.
pub fn fold_char(c: char) -> Option<char> {
    // Every Vietnamese letter lies in these two blocks: answer them from a table (this
    // runs for every character searched, indexed or highlighted).
    const LATIN: std::ops::RangeInclusive<u32> = 0xC0..=0x24F;
    const VIETNAMESE: std::ops::RangeInclusive<u32> = 0x1E00..=0x1EFF;
    static TABLE: OnceLock<Vec<Option<char>>> = OnceLock::new();
    let code = u32::from(c);
    let slot = if LATIN.contains(&code) {
        Some((code - LATIN.start()) as usize)
    } else if VIETNAMESE.contains(&code) {
        Some((code - VIETNAMESE.start()) as usize + LATIN.clone().count())
    } else {
        None
    };
    match slot {
        Some(slot) => TABLE
            .get_or_init(|| LATIN.chain(VIETNAMESE).filter_map(char::from_u32).map(fold_char_slowly).collect())
            .get(slot)
            .copied()
            .unwrap_or_else(|| fold_char_slowly(c)),
        None => fold_char_slowly(c),
    }
}

fn fold_char_slowly(c: char) -> Option<char> {
    match c {
        'đ' | 'Đ' => Some('d'),
        '\u{0300}'..='\u{036F}' => None,
        c if c.is_ascii() => Some(c.to_ascii_lowercase()),
        c if c.is_alphabetic() => {
            let ascii = deunicode::deunicode_char(c).unwrap_or("");
            let mut chars = ascii.chars();
            match (chars.next(), chars.next()) {
                (Some(base), None) if base.is_ascii_alphabetic() => Some(base.to_ascii_lowercase()),
                _ => c.to_lowercase().next(),
            }
        }
        c => Some(c),
    }
}

/// Folds a whole string (see [`fold_char`]).
pub fn fold(text: &str) -> String {
    text.chars().filter_map(fold_char).collect()
}

/// Whether `slug` is a valid slug: `^[a-z0-9]+(-[a-z0-9]+)*$`, at most 200 characters,
/// not purely digits (those would read as ids).
pub fn is_valid_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= MAX_SLUG_LEN
        && slug
            .split('-')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
        && !slug.bytes().all(|b| b.is_ascii_digit())
}

/// Why `slug` is not valid, for a 422 message; `None` when it is.
pub fn slug_problem(slug: &str) -> Option<&'static str> {
    if slug.len() > MAX_SLUG_LEN {
        Some("must be at most 200 characters")
    } else if slug.bytes().all(|b| b.is_ascii_digit()) && !slug.is_empty() {
        Some("must not be only digits")
    } else if !is_valid_slug(slug) {
        Some("must be lower-case letters and digits in words joined by single hyphens")
    } else {
        None
    }
}

/// The base slug for a title or name: Vietnamese folded, lower-case ASCII, other
/// characters turned into single hyphens, cut to 200 characters at a word boundary.
/// A result that would be empty or purely digits is prefixed with `kind`
/// (`"2024"` → `"article-2024"`).
pub fn slugify(text: &str, kind: &str) -> String {
    let folded: String = text.chars().map(|c| if c == 'đ' || c == 'Đ' { 'd' } else { c }).collect();
    let mut slug = slug::slugify(folded);
    if slug.len() > MAX_SLUG_LEN {
        let cut = slug[..=MAX_SLUG_LEN].rfind('-').unwrap_or(MAX_SLUG_LEN);
        slug.truncate(cut);
        while slug.ends_with('-') {
            slug.pop();
        }
    }
    if slug.is_empty() {
        return kind.to_owned();
    }
    if slug.bytes().all(|b| b.is_ascii_digit()) {
        slug = format!("{kind}-{slug}");
        slug.truncate(MAX_SLUG_LEN);
    }
    slug
}

/// The `n`-th candidate for `base` (1 = base itself, then `base-2`, `base-3`, ...),
/// kept within 200 characters.
pub fn slug_candidate(base: &str, n: u32) -> String {
    if n <= 1 {
        return base.to_owned();
    }
    let suffix = format!("-{n}");
    let keep = base.len().min(MAX_SLUG_LEN - suffix.len());
    format!("{}{suffix}", base[..keep].trim_end_matches('-'))
}

/// The first of `base`, `base-2`, `base-3`, ... that `taken` says is free.
pub fn first_free_slug<E>(base: &str, mut taken: impl FnMut(&str) -> Result<bool, E>) -> Result<String, E> {
    let mut n = 1;
    loop {
        let candidate = slug_candidate(base, n);
        if !taken(&candidate)? {
            return Ok(candidate);
        }
        n += 1;
    }
}

/// Whether `c` is white space as the OpenAPI patterns (`[^\s\x1c-\x1f]`: at least one
/// character that is not this) see it: Unicode White_Space and the ASCII separators
/// U+001C–U+001F, which Python's `\s` counts as space and ECMAScript's does not, so
/// the spec names them outright for every regex engine to agree.
pub fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// A single-line field without surrounding white space.
pub fn trim(value: &str) -> &str {
    value.trim_matches(is_space)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_titles_slugify_per_the_contract() {
        let table = [
            ("Thực hiện hiệu quả các phong trào thi đua", "thuc-hien-hieu-qua-cac-phong-trao-thi-dua"),
            ("Đà Nẵng đón 8 triệu lượt khách", "da-nang-don-8-trieu-luot-khach"),
            ("ĐẠI HỘI ĐẢNG BỘ TỈNH LẦN THỨ XVII", "dai-hoi-dang-bo-tinh-lan-thu-xvii"),
            ("Trà My: mùa quế bội thu", "tra-my-mua-que-boi-thu"),
            ("Hà Nội – Hải Phòng", "ha-noi-hai-phong"),
            ("Người dân vùng lũ được hỗ trợ", "nguoi-dan-vung-lu-duoc-ho-tro"),
            ("Quảng Nam: đường về Tây Giang", "quang-nam-duong-ve-tay-giang"),
            ("Giá lúa tăng, nông dân phấn khởi!", "gia-lua-tang-nong-dan-phan-khoi"),
            ("Bão số 5 đổ bộ vào miền Trung", "bao-so-5-do-bo-vao-mien-trung"),
            ("Học sinh giỏi cấp quốc gia năm 2024", "hoc-sinh-gioi-cap-quoc-gia-nam-2024"),
            ("Ứng dụng công nghệ số trong y tế", "ung-dung-cong-nghe-so-trong-y-te"),
            ("Lễ hội Cầu Ngư ở Tam Kỳ", "le-hoi-cau-ngu-o-tam-ky"),
            ("Tuổi trẻ xung kích, tình nguyện", "tuoi-tre-xung-kich-tinh-nguyen"),
            ("“Sáng kiến” của ngành giáo dục", "sang-kien-cua-nganh-giao-duc"),
            ("Ổn định đời sống đồng bào dân tộc", "on-dinh-doi-song-dong-bao-dan-toc"),
            ("Điểm sáng: xã Tiên Phước", "diem-sang-xa-tien-phuoc"),
            ("Mỹ Sơn — di sản văn hóa thế giới", "my-son-di-san-van-hoa-the-gioi"),
            ("Kỷ niệm 50 năm Ngày giải phóng (24/3/1975)", "ky-niem-50-nam-ngay-giai-phong-24-3-1975"),
            ("Ngư dân bám biển, giữ chủ quyền", "ngu-dan-bam-bien-giu-chu-quyen"),
            ("   Khởi công   cầu   Cửa Đại   ", "khoi-cong-cau-cua-dai"),
            ("Sở Y tế: tiêm chủng mở rộng đạt 98%", "so-y-te-tiem-chung-mo-rong-dat-98"),
            ("Áo dài — nét đẹp Việt", "ao-dai-net-dep-viet"),
            ("Hỏi – Đáp pháp luật", "hoi-dap-phap-luat"),
            ("Cà phê sữa đá", "ca-phe-sua-da"),
        ];
        for (title, expected) in table {
            assert_eq!(slugify(title, "article"), expected, "title: {title}");
            assert!(is_valid_slug(expected), "{expected}");
        }
    }

    #[test]
    fn all_five_tones_and_every_vowel_mark_fold_away() {
        assert_eq!(slugify("a à á ả ã ạ ă ằ ắ ẳ ẵ ặ â ầ ấ ẩ ẫ ậ", "x"), "a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a-a");
        assert_eq!(slugify("ơ ờ ớ ở ỡ ợ ư ừ ứ ử ữ ự ê ề ế ể ễ ệ", "x"), "o-o-o-o-o-o-u-u-u-u-u-u-e-e-e-e-e-e");
        assert_eq!(slugify("Ỳ Ý Ỷ Ỹ Ỵ", "x"), "y-y-y-y-y");
    }

    #[test]
    fn empty_and_numeric_results_get_the_kind() {
        assert_eq!(slugify("2024", "article"), "article-2024");
        assert_eq!(slugify("!!! ???", "tag"), "tag");
        assert_eq!(slugify("", "category"), "category");
        assert_eq!(slugify("1-2-3", "tag"), "1-2-3");
    }

    #[test]
    fn long_titles_are_cut_at_a_word_boundary() {
        let title = "phong trào thi đua ".repeat(30);
        let slug = slugify(&title, "article");
        assert!(slug.len() <= MAX_SLUG_LEN);
        assert!(is_valid_slug(&slug));
        assert!(slug.ends_with("dua") || slug.ends_with("trao") || slug.ends_with("thi") || slug.ends_with("phong"));
    }

    #[test]
    fn candidates_append_numbers_within_the_limit() {
        assert_eq!(slug_candidate("thi-dua", 1), "thi-dua");
        assert_eq!(slug_candidate("thi-dua", 2), "thi-dua-2");
        let long = "a".repeat(200);
        let candidate = slug_candidate(&long, 13);
        assert_eq!(candidate.len(), 200);
        assert!(candidate.ends_with("-13"));
    }

    #[test]
    fn the_first_free_candidate_is_chosen() {
        let taken = ["thi-dua", "thi-dua-2"];
        let free = first_free_slug::<()>("thi-dua", |c| Ok(taken.contains(&c)));
        assert_eq!(free, Ok("thi-dua-3".to_owned()));
    }

    #[test]
    fn slug_validation_follows_the_pattern() {
        for good in ["a", "thi-dua", "bao-so-5", "2024-tet", "x1"] {
            assert!(is_valid_slug(good), "{good}");
        }
        for bad in ["", "123", "Thi-dua", "thi--dua", "-thi", "thi-", "thi dua", "thì-đua", &"a".repeat(201)] {
            assert!(!is_valid_slug(bad), "{bad}");
        }
    }

    #[test]
    fn the_published_slug_pattern_is_the_slug_rule() {
        let pattern = regex::Regex::new(SLUG_PATTERN).expect("pattern");
        for candidate in [
            "a", "thi-dua", "bao-so-5", "2024-tet", "1-2", "x1", "", "123", "Thi-dua", "thi--dua", "-a", "a-", "a b",
            "đ",
        ] {
            assert_eq!(pattern.is_match(candidate), is_valid_slug(candidate), "{candidate:?}");
        }
    }

    #[test]
    fn web_urls_are_http_or_https_with_a_host() {
        for good in ["https://example.vn/a.jpg", "http://cdn.x.vn:8080/p?q=1#f", "https://a"] {
            assert!(is_web_url(good), "{good}");
        }
        for bad in ["javascript:alert(1)", "ftp://x", "https://", "https:// x", "https://x/ảnh", "//x.vn", ""] {
            assert!(!is_web_url(bad), "{bad}");
        }
    }

    #[test]
    fn the_folding_table_agrees_with_the_slow_path() {
        for c in (0xC0..=0x24F).chain(0x1E00..=0x1EFF).filter_map(char::from_u32) {
            assert_eq!(fold_char(c), fold_char_slowly(c), "{c:?}");
        }
    }

    #[test]
    fn folding_handles_d_bar_tones_case_and_nfd() {
        assert_eq!(fold("Thi Đua"), "thi dua");
        assert_eq!(fold("đường"), "duong");
        assert_eq!(fold("Trà My"), "tra my");
        // NFD: "à" as 'a' + U+0300.
        assert_eq!(fold("Tra\u{0300} My"), "tra my");
        assert_eq!(fold("Hà-Nội c++"), "ha-noi c++");
        // Precomposed Vietnamese keeps one character per character.
        let text = "Thực hiện hiệu quả các phong trào thi đua";
        assert_eq!(fold(text).chars().count(), text.chars().count());
    }
}
