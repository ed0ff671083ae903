//! Prices as the tables store them: American odds.
//!
//! The scrapers ask for `oddsFormat=american`, but a raw object does not say
//! which format it was fetched in, and recorded answers exist in decimal
//! (`1.83`). American odds are never strictly between -100 and +100, while
//! decimal odds are (almost always) between 1 and 100: a file whose every price
//! lies in (1, 100) is decimal and is converted; any other file is American,
//! and a price inside (-100, 100) there is refused, never guessed.

/// How a file's prices are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriceFormat {
    American,
    Decimal,
}

impl PriceFormat {
    /// The format of a whole file's prices (American when there are none).
    pub fn detect(prices: impl IntoIterator<Item = f64>) -> Self {
        let mut any = false;
        for p in prices {
            if !(p > 1.0 && p < 100.0) {
                return PriceFormat::American;
            }
            any = true;
        }
        if any {
            PriceFormat::Decimal
        } else {
            PriceFormat::American
        }
    }

    /// The price as American odds, or why it cannot be one.
    pub fn american(self, price: f64) -> Result<f64, String> {
        if !price.is_finite() {
            return Err(format!("price {price} is not a number"));
        }
        match self {
            PriceFormat::American if price.abs() < 100.0 => {
                Err(format!("price {price} is not American odds (|price| < 100)"))
            }
            PriceFormat::American => Ok(price),
            PriceFormat::Decimal => Ok(decimal_to_american(price)),
        }
    }
}

/// 2.5 → +150, 1.91 → -110 (rounded to whole odds, as books quote them).
fn decimal_to_american(d: f64) -> f64 {
    if d >= 2.0 {
        ((d - 1.0) * 100.0).round()
    } else {
        (-100.0 / (d - 1.0)).round()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_the_file_format() {
        assert_eq!(PriceFormat::detect([1.91, 1.83, 2.5]), PriceFormat::Decimal);
        assert_eq!(PriceFormat::detect([-110.0, 105.0]), PriceFormat::American);
        // One American price settles it: the 1.5 is then an error, not decimal.
        assert_eq!(PriceFormat::detect([1.5, -110.0]), PriceFormat::American);
        assert_eq!(PriceFormat::detect([]), PriceFormat::American);
    }

    #[test]
    fn converts_decimal_and_refuses_non_american() {
        let d = PriceFormat::Decimal;
        assert_eq!(d.american(1.91), Ok(-110.0));
        assert_eq!(d.american(1.83), Ok(-120.0));
        assert_eq!(d.american(2.0), Ok(100.0));
        assert_eq!(d.american(3.5), Ok(250.0));
        let a = PriceFormat::American;
        assert_eq!(a.american(-137.0), Ok(-137.0));
        assert_eq!(a.american(100.0), Ok(100.0));
        assert!(a.american(50.0).unwrap_err().contains("not American"));
        assert!(a.american(-99.0).is_err());
        assert!(a.american(f64::NAN).is_err());
    }
}
