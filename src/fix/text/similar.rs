//! How alike two names are: one edit distance, one similarity score.

/// How far `candidate` is from `name` (lower is closer), or `None` when too far to be a typo.
pub(crate) fn similarity_score(name: &str, candidate: &str) -> Option<f64> {
    let (ln, lc) = (name.chars().count(), candidate.chars().count());
    let exact = edit_distance(name, candidate) as f64;
    let folded = edit_distance(&name.to_lowercase(), &candidate.to_lowercase()) as f64;
    // A difference only in case costs half an edit.
    let mut score = exact.min(folded + 0.5);
    // `is_upper` → `is_uppercase`: a long shared prefix is a strong hint.
    let (short, long) = if ln <= lc {
        (name, candidate)
    } else {
        (candidate, name)
    };
    if short.chars().count() >= 4 && long.to_lowercase().starts_with(&short.to_lowercase()) {
        score = score.min(1.0 + 0.25 * (ln.abs_diff(lc)) as f64);
    }
    let longest = ln.max(lc) as f64;
    let allowed = match ln.min(lc) {
        // `N` vs `n` are as likely two different variables as one typo.
        0..=1 => return None,
        2 => 0.5,
        3..=4 => 1.0,
        5..=7 => 2.0,
        _ => 3.0,
    };
    (score <= allowed && score / longest <= 0.5).then_some(score)
}

/// Optimal-string-alignment distance over characters (a swap of neighbours costs 1).
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for i in 0..=a.len() {
        d[i * w] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(w) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1)
                .min(d[i * w + j - 1] + 1)
                .min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
        }
    }
    d[a.len() * w + b.len()]
}

/// How alike two names are, in [0, 1]: edit distance (case-insensitive counts half), with a
/// bonus when one is a prefix or a `_`-separated part of the other.
pub(crate) fn name_similarity(wrong: &str, candidate: &str) -> f64 {
    if wrong == candidate || wrong.is_empty() || candidate.is_empty() {
        return 0.0;
    }
    let lw = wrong.to_lowercase();
    let lc = candidate.to_lowercase();
    let longest = wrong.chars().count().max(candidate.chars().count()) as f64;
    let d = edit_distance(wrong, candidate) as f64;
    let di = edit_distance(&lw, &lc) as f64;
    let mut score = 1.0 - (di + (d - di) * 0.25) / longest;
    let shorter = lw.len().min(lc.len());
    let ratio = shorter as f64 / lw.len().max(lc.len()) as f64;
    if shorter >= 3 && ratio >= 0.4 && (lc.starts_with(&lw) || lw.starts_with(&lc)) {
        score = score.max(0.7);
    }
    if shorter >= 3
        && ratio >= 0.3
        && (lc.split('_').any(|p| p == lw) || lw.split('_').any(|p| p == lc))
    {
        score = score.max(0.65);
    }
    score.clamp(0.0, 1.0)
}

/// Candidates ordered by similarity to `wrong`, keeping those at least `min` alike.
pub(crate) fn closest<'a>(
    wrong: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    min: f64,
) -> Vec<(&'a str, f64)> {
    let mut scored: Vec<(&str, f64)> = candidates
        .into_iter()
        .map(|c| (c, name_similarity(wrong, c)))
        .filter(|(_, s)| *s >= min)
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    scored.dedup_by(|a, b| a.0 == b.0);
    scored
}
