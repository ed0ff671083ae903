//! Small numeric helpers shared by every precompute table. All return `None`
//! rather than a made-up number when the input is too short.

/// Arithmetic mean; `None` for no values.
pub fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// Sample standard deviation (n − 1): the spread of a player's games is an
/// estimate from a sample, and n − 1 is what analysts compare against. Needs 2 values.
pub fn sample_std(values: &[f64]) -> Option<f64> {
    if values.len() < 2 {
        return None;
    }
    let m = mean(values)?;
    let ss: f64 = values.iter().map(|v| (v - m).powi(2)).sum();
    Some((ss / (values.len() - 1) as f64).sqrt())
}

/// Least-squares slope of `values` (oldest first) against their index 0, 1, …:
/// points gained per game. Needs 3 values (two points always fit a line exactly).
pub fn slope(values: &[f64]) -> Option<f64> {
    if values.len() < 3 {
        return None;
    }
    let n = values.len() as f64;
    let x_mean = (n - 1.0) / 2.0;
    let y_mean = mean(values)?;
    let (mut num, mut den) = (0.0, 0.0);
    for (i, y) in values.iter().enumerate() {
        let dx = i as f64 - x_mean;
        num += dx * (y - y_mean);
        den += dx * dx;
    }
    Some(num / den)
}

/// The zone (two, three, free throw) with the largest value; ties go to the
/// first of them, zones without a value are left out.
pub fn largest_zone(two: Option<f64>, three: Option<f64>, free_throw: Option<f64>) -> Option<&'static str> {
    let mut best: Option<(&'static str, f64)> = None;
    for (zone, value) in [("two", two), ("three", three), ("free_throw", free_throw)] {
        if let Some(v) = value
            && best.is_none_or(|(_, b)| v > b)
        {
            best = Some((zone, v));
        }
    }
    best.map(|(z, _)| z)
}

/// `num / den`, `None` when the denominator is not positive.
pub fn ratio(num: f64, den: f64) -> Option<f64> {
    (den > 0.0).then(|| num / den)
}

/// Rounds to 4 decimals: stored values then hash the same whatever the summation
/// order of the engine that computed them (a recompute must be a no-op).
pub fn r4(v: f64) -> f64 {
    let r = (v * 10_000.0).round() / 10_000.0;
    if r == 0.0 { 0.0 } else { r } // no negative zero
}

pub fn r4o(v: Option<f64>) -> Option<f64> {
    v.map(r4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_and_sample_std_by_hand() {
        assert_eq!(mean(&[]), None);
        assert_eq!(mean(&[10.0, 20.0, 30.0]), Some(20.0));
        // deviations −10, 0, 10 → ss 200 → / 2 → 100 → 10
        assert_eq!(sample_std(&[10.0, 20.0, 30.0]), Some(10.0));
        assert_eq!(sample_std(&[10.0]), None);
    }

    #[test]
    fn slope_by_hand() {
        assert_eq!(slope(&[10.0, 12.0, 14.0, 16.0]), Some(2.0));
        // values 10, 30, 20: dx −1, 0, 1; dy −10, 10, 0 → num 10, den 2 → 5
        assert_eq!(slope(&[10.0, 30.0, 20.0]), Some(5.0));
        assert_eq!(slope(&[10.0, 30.0]), None);
    }

    #[test]
    fn rounding_is_stable() {
        assert_eq!(r4(1.234_56), 1.2346);
        assert_eq!(r4(-0.000_01), 0.0);
        assert!(r4(-0.000_01).is_sign_positive());
        assert_eq!(ratio(1.0, 0.0), None);
    }
}
