/// The Q.850 cause of a `Reason` header (RFC 3326 §2), e.g.
/// `Q.850;cause=17;text="User busy"` → 17. A header may list several
/// protocols; the Q.850 one is taken.
pub fn q850_cause(reason_header: &str) -> Option<u16> {
    for value in reason_header.split(',') {
        let mut parts = value.split(';').map(str::trim);
        let protocol = parts.next()?;
        if !protocol.eq_ignore_ascii_case("Q.850") {
            continue;
        }
        for parameter in parts {
            let Some((name, cause)) = parameter.split_once('=') else { continue };
            if name.trim().eq_ignore_ascii_case("cause") {
                return cause.trim().trim_matches('"').parse().ok();
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::q850_cause;

    #[test]
    fn reads_the_q850_cause() {
        assert_eq!(q850_cause("Q.850;cause=17;text=\"User busy\""), Some(17));
        assert_eq!(q850_cause("q.850 ; cause = 34"), Some(34));
        assert_eq!(q850_cause("SIP;cause=200;text=\"Call completed elsewhere\", Q.850;cause=16"), Some(16));
        assert_eq!(q850_cause("SIP;cause=600"), None);
        assert_eq!(q850_cause("Q.850;text=\"no cause\""), None);
    }
}
