//! Text that indexes like a natural language: a vocabulary of 30,000 words
//! made of syllables (a few accented, so folding has work to do), drawn by
//! Zipf's law (the word of rank r is used in proportion to 1/r: the first
//! is about 9% of all words, the 20,000th a few hundred times in a million
//! messages). Deterministic: the same database every time.

/// The words' building blocks; `é`, `è` and `ç` make accented words.
const SYLLABLES: [&str; 24] = [
    "ba", "ce", "di", "fo", "gu", "la", "me", "ni", "po", "ru", "sa", "te", "vi", "zo", "ka", "lé",
    "mè", "ço", "pa", "ri", "to", "nu", "de", "ji",
];

/// How many words the vocabulary has.
pub const VOCABULARY: usize = 30_000;

/// The word of rank `rank` (0 is the most used): the 24 first are one
/// syllable, the next 576 two, then three and four.
pub fn word(rank: usize) -> String {
    let (mut r, mut syllables, mut block) = (rank, 1, SYLLABLES.len());
    while r >= block {
        r -= block;
        syllables += 1;
        block *= SYLLABLES.len();
    }
    let mut w = String::new();
    for _ in 0..syllables {
        w.push_str(SYLLABLES[r % SYLLABLES.len()]);
        r /= SYLLABLES.len();
    }
    w
}

pub struct Words {
    words: Vec<String>,
    /// Running sums of 1/(rank + 1).
    cumulative: Vec<f64>,
    state: u64,
}

impl Words {
    pub fn new() -> Self {
        let words = (0..VOCABULARY).map(word).collect();
        let mut total = 0.0;
        let cumulative = (0..VOCABULARY)
            .map(|r| {
                total += 1.0 / (r as f64 + 1.0);
                total
            })
            .collect();
        Self {
            words,
            cumulative,
            state: 0x9e37_79b9_7f4a_7c15,
        }
    }

    /// xorshift64*: fast, and good enough to spread words.
    fn next(&mut self) -> u64 {
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        self.state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn pick(&mut self) -> &str {
        let total = self.cumulative[VOCABULARY - 1];
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64 * total;
        let rank = self
            .cumulative
            .partition_point(|&c| c < u)
            .min(VOCABULARY - 1);
        &self.words[rank]
    }

    /// `n` words.
    pub fn sentence(&mut self, n: usize) -> String {
        let mut out = String::new();
        for i in 0..n {
            if i > 0 {
                out.push(' ');
            }
            let w = self.pick().to_string();
            out.push_str(&w);
        }
        out
    }

    /// A message: 10 to 100 words in sentences of 12, one in ten with a
    /// word in bold, one in twenty with a link (whose address is markup,
    /// not text).
    pub fn body(&mut self) -> String {
        let n = 10 + (self.next() % 91) as usize;
        let style = self.next() % 20;
        let mut out = String::new();
        for i in 0..n {
            let w = self.pick().to_string();
            match (i, style) {
                (0, _) => {}
                (_, _) if i % 12 == 0 => out.push_str(". "),
                _ => out.push(' '),
            }
            match (i, style) {
                (3, 0 | 10) => out.push_str(&format!("**{w}**")),
                (5, 0) => out.push_str(&format!("[{w}](https://example.org/{w}/page)")),
                _ => out.push_str(&w),
            }
        }
        out.push('.');
        out
    }
}
