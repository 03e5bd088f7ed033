//! Lines: byte offsets of lines and columns, words on a line, indentation.

use super::*;

/// Byte offset of the whole-word occurrence of `word` on `line` nearest to `column`
/// (1-based, in characters); an occurrence at or after the column wins a tie.
pub(crate) fn find_word_on_line(text: &str, line: u32, column: u32, word: &str) -> Option<usize> {
    let (line_start, line_end) = line_bounds(text, line)?;
    let target = line_col_to_byte(text, line, column).unwrap_or(line_start);
    let line_text = &text[line_start..line_end];
    let mut best: Option<(usize, usize)> = None;
    for (idx, _) in line_text.match_indices(word) {
        let abs = line_start + idx;
        if !is_word_at(text, abs, word.len()) {
            continue;
        }
        let dist = if abs >= target {
            (abs - target) * 2
        } else {
            (target - abs) * 2 + 1
        };
        if best.is_none_or(|(d, _)| dist < d) {
            best = Some((dist, abs));
        }
    }
    best.map(|(_, abs)| abs)
}

/// True when `text[start..start+len]` is not part of a longer identifier.
pub(crate) fn is_word_at(text: &str, start: usize, len: usize) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[start + len..].chars().next();
    !before.is_some_and(is_ident_char) && !after.is_some_and(is_ident_char)
}

/// Byte range of line `line` (1-based), without its line terminator.
pub(crate) fn line_bounds(text: &str, line: u32) -> Option<(usize, usize)> {
    if line == 0 {
        return None;
    }
    let mut start = 0usize;
    for _ in 1..line {
        start += text[start..].find('\n')? + 1;
    }
    let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let end = if end > start && text.as_bytes()[end - 1] == b'\r' {
        end - 1
    } else {
        end
    };
    Some((start, end))
}

/// Byte offset of 1-based (line, column), columns counting characters; a column past the end
/// of the line is the end of the line.
pub(crate) fn line_col_to_byte(text: &str, line: u32, column: u32) -> Option<usize> {
    let (start, end) = line_bounds(text, line)?;
    let skip = column.saturating_sub(1) as usize;
    Some(
        text[start..end]
            .char_indices()
            .nth(skip)
            .map_or(end, |(i, _)| start + i),
    )
}

/// The 1-based line number of byte offset `pos`.
pub(crate) fn line_of(text: &str, pos: usize) -> u32 {
    let pos = pos.min(text.len());
    text.as_bytes()[..pos]
        .iter()
        .filter(|b| **b == b'\n')
        .count() as u32
        + 1
}

/// Byte offsets of line starts.
pub(crate) struct LineIndex {
    starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    pub(crate) fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        if starts.len() > 1 && starts.last() == Some(&text.len()) {
            starts.pop();
        }
        LineIndex {
            starts,
            len: text.len(),
        }
    }

    pub(crate) fn count(&self) -> usize {
        self.starts.len()
    }

    /// Start and end (before the newline) of 1-based `line`.
    pub(crate) fn range(&self, text: &str, line: usize) -> (usize, usize) {
        let i = line.clamp(1, self.count()) - 1;
        let start = self.starts[i];
        let end = self.starts.get(i + 1).map_or(self.len, |s| s - 1);
        let end = if end > start && text.as_bytes().get(end - 1) == Some(&b'\r') {
            end - 1
        } else {
            end
        };
        (start, end.max(start))
    }

    /// 1-based line of a byte offset.
    pub(crate) fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset).max(1)
    }

    /// Byte offset of 1-based `line`, 1-based character `column` (0: the first non-blank
    /// character), clamped to the line's end.
    pub(crate) fn offset(&self, text: &str, line: usize, column: usize) -> usize {
        let (start, end) = self.range(text, line);
        let body = &text[start..end];
        if column == 0 {
            return start + (body.len() - body.trim_start().len());
        }
        body.char_indices()
            .nth(column - 1)
            .map_or(end, |(i, _)| start + i)
    }
}

/// The leading whitespace of the line containing `offset`.
pub(crate) fn indent_of(text: &str, lines: &LineIndex, line: usize) -> String {
    let (s, e) = lines.range(text, line);
    text[s..e]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect()
}

/// Indentation width (tabs count as 8 columns, as Python does).
pub(crate) fn indent_width(indent: &str) -> usize {
    indent
        .chars()
        .fold(0, |w, c| if c == '\t' { (w / 8 + 1) * 8 } else { w + 1 })
}

/// The byte range of the whole word `name` on `line` (1-based) nearest `offset`, searching the
/// raw text so names inside template literals and f-strings are found too.
pub(crate) fn word_on_line(
    text: &str,
    lines: &LineIndex,
    line: usize,
    name: &str,
    offset: usize,
) -> Option<(usize, usize)> {
    let (ls, le) = lines.range(text, line);
    let body = &text[ls..le];
    let is_word = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    body.match_indices(name)
        .filter(|(k, _)| {
            body[..*k].chars().next_back().is_none_or(|c| !is_word(c))
                && body[k + name.len()..]
                    .chars()
                    .next()
                    .is_none_or(|c| !is_word(c))
        })
        .map(|(k, _)| (ls + k, ls + k + name.len()))
        .min_by_key(|(s, _)| s.abs_diff(offset))
}
