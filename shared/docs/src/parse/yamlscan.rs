//! Light lexical passes over YAML text that run before libyaml sees it: an alias-use count
//! and a flow-nesting depth check. libyaml slows down quadratically on deep flow nesting and
//! serde_yaml_ng cannot report alias use, so these bound both cheaply (approximate by design:
//! the node budget and serde_yaml_ng's own limits catch whatever slips through).

/// Counts YAML alias tokens (`*name` where a node may start) if the text defines any anchor.
/// Lexical and approximate on purpose: it only has to bound alias use, and serde_yaml_ng plus
/// the node budget stop whatever slips through.
pub(super) fn count_yaml_aliases(text: &str) -> usize {
    if !text.contains('&') || !text.contains('*') {
        return 0;
    }
    let mut count = 0;
    for line in text.lines() {
        let bytes = line.as_bytes();
        let mut prev: u8 = b'\n'; // last non-space byte, '\n' at line start
        let mut saw_space = true;
        for (i, &c) in bytes.iter().enumerate() {
            if c == b'*' {
                let node_start = matches!(prev, b'\n' | b'[' | b'{' | b',')
                    || (matches!(prev, b':' | b'-' | b'?') && saw_space);
                let next_ok = bytes
                    .get(i + 1)
                    .is_some_and(|n| !n.is_ascii_whitespace() && !b",[]{}*".contains(n));
                if node_start && next_ok {
                    count += 1;
                }
            }
            if c == b' ' || c == b'\t' {
                saw_space = true;
            } else {
                prev = c;
                saw_space = false;
            }
        }
    }
    count
}

/// Whether flow collections (`[`, `{`) nest deeper than `limit`. A light lexical pass: it skips
/// comments, quoted strings and block scalars, and only counts brackets where a node can start
/// (block context) or inside flow collections.
pub(super) fn yaml_flow_depth_exceeds(text: &str, limit: usize) -> bool {
    let mut depth = 0usize;
    let mut block_scalar: Option<usize> = None;
    for line in text.lines() {
        let indent = line.len() - line.trim_start_matches(' ').len();
        let b = &line.as_bytes()[indent..];
        if let Some(bi) = block_scalar {
            if b.iter().all(u8::is_ascii_whitespace) || indent > bi {
                continue;
            }
            block_scalar = None;
        }
        let mut node_start = true;
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            let after_space = i == 0 || b[i - 1].is_ascii_whitespace();
            let space_next = b.get(i + 1).is_none_or(u8::is_ascii_whitespace);
            if depth > 0 {
                match c {
                    b'[' | b'{' => {
                        depth += 1;
                        if depth > limit {
                            return true;
                        }
                    }
                    b']' | b'}' => {
                        depth -= 1;
                        node_start = false;
                    }
                    b'"' => i = skip_quoted(b, i, b'"'),
                    b'\'' => i = skip_quoted(b, i, b'\''),
                    b'#' if after_space => break,
                    _ => {}
                }
                i += 1;
                continue;
            }
            match c {
                b' ' | b'\t' => {}
                b'#' if after_space => break,
                b'[' | b'{' if node_start => {
                    depth = 1;
                    if depth > limit {
                        return true;
                    }
                }
                b'-' | b'?' | b':' if space_next => node_start = true,
                b'|' | b'>' if node_start => {
                    block_scalar = Some(indent);
                    break;
                }
                b'"' | b'\'' if node_start => {
                    i = skip_quoted(b, i, c);
                    node_start = false;
                }
                b'&' | b'!' if node_start => {
                    while i + 1 < b.len() && !b[i + 1].is_ascii_whitespace() {
                        i += 1;
                    }
                }
                _ => node_start = false,
            }
            i += 1;
        }
    }
    false
}

/// Index of the closing quote of the string opening at `start` (or the end of the line).
fn skip_quoted(b: &[u8], start: usize, quote: u8) -> usize {
    let mut j = start + 1;
    while j < b.len() {
        if quote == b'"' && b[j] == b'\\' {
            j += 2;
            continue;
        }
        if b[j] == quote {
            if quote == b'\'' && b.get(j + 1) == Some(&b'\'') {
                j += 2;
                continue;
            }
            return j;
        }
        j += 1;
    }
    b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alias_counting() {
        assert_eq!(
            count_yaml_aliases("a: &x 1\nb: *x\nc: [*x, *x]\nd: '*x'\n"),
            3
        );
        assert_eq!(
            count_yaml_aliases("description: |\n  * item\n  *bold*\n"),
            0
        );
    }

    #[test]
    fn flow_depth_prescan() {
        assert!(yaml_flow_depth_exceeds("a: [[[[1]]]]", 3));
        assert!(!yaml_flow_depth_exceeds("a: [[[1]]]", 3));
        assert!(yaml_flow_depth_exceeds("a: {b: {c: {d: {}}}}", 3));
        // Brackets in quotes, comments, plain scalars and block scalars are not nesting.
        let benign = "a: '[[[['\nb: \"{{{{\\\"\"\nc: x [[[[ y # [[[[\nd: |\n  [[[[\n  [[[[\ne: [1, '[[[[', \"]]\"]\n";
        assert!(!yaml_flow_depth_exceeds(benign, 3), "{benign}");
    }
}
