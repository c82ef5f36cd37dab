//! The benchmark's chart, drawn with plotters as SVG: S3 requests per cold
//! retrieve, and warm p50 latency with the simulated round trip, each against
//! the bucket size (both axes logarithmic), one line per strategy.

use std::error::Error;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::Results;
use crate::retrieval::Cache;

const SERIES: [(&str, RGBColor); 3] = [
    ("pointer", RGBColor(0x2c, 0xa0, 0x2c)),
    ("index", RGBColor(0x1f, 0x77, 0xb4)),
    ("scan", RGBColor(0xd6, 0x27, 0x28)),
];

type Drawn = Result<(), Box<dyn Error>>;

pub fn svg(r: &Results) -> String {
    let mut out = String::new();
    draw(r, &mut out).expect("a chart drawn into a string cannot fail to write");
    out
}

fn draw(r: &Results, out: &mut String) -> Drawn {
    let root = SVGBackend::with_string(out, (1040, 380)).into_drawing_area();
    root.fill(&WHITE)?;
    let panels = root.split_evenly((1, 2));
    let requests = |strategy: &str, n: usize| {
        r.requests
            .iter()
            .find(|q| q.strategy == strategy && q.objects == n && q.cache == Cache::Cold)
            .map_or(0.0, |q| q.s3_requests as f64)
    };
    let latency = |strategy: &str, n: usize| {
        r.latency
            .iter()
            .find(|l| {
                l.strategy == strategy
                    && l.objects == n
                    && l.cache == Cache::Warm
                    && l.simulated_rtt_ms == r.simulated_rtt_ms
            })
            .map_or(0.0, |l| l.summary.p50_ms)
    };
    panel(&panels[0], "S3 requests per retrieve (cold cache)", &r.sizes, &requests)?;
    let title = format!(
        "p50 latency, ms (warm; S3: {} ms GET, {} ms LIST)",
        r.simulated_rtt_ms, r.simulated_list_ms
    );
    panel(&panels[1], &title, &r.sizes, &latency)?;
    root.present()?;
    Ok(())
}

fn panel(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    title: &str,
    sizes: &[usize],
    value: &dyn Fn(&str, usize) -> f64,
) -> Drawn {
    let (first, last) = (sizes[0] as f64, sizes[sizes.len() - 1] as f64);
    let (x_from, x_to) = if first < last {
        (first, last)
    } else {
        (first / 2.0, last * 2.0)
    };
    // Whole decades, at least one; values under 1 sit on the axis.
    let top = SERIES
        .iter()
        .flat_map(|(strategy, _)| sizes.iter().map(|&n| value(strategy, n)))
        .fold(1.0_f64, f64::max);
    let y_to = 10f64.powf(top.log10().ceil().max(1.0));
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 14))
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d((x_from..x_to).log_scale(), (1.0..y_to).log_scale())?;
    chart
        .configure_mesh()
        .x_desc("objects in the bucket (log)")
        .x_label_formatter(&|n| format!("{n:.0}"))
        .y_label_formatter(&|v| format!("{v:.0}"))
        .draw()?;
    for (strategy, colour) in SERIES {
        let points: Vec<(f64, f64)> = sizes.iter().map(|&n| (n as f64, value(strategy, n).max(1.0))).collect();
        chart
            .draw_series(LineSeries::new(points.clone(), colour.stroke_width(2)))?
            .label(strategy)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], colour.stroke_width(2)));
        chart.draw_series(points.into_iter().map(|point| Circle::new(point, 3, colour.filled())))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK.mix(0.3))
        .draw()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_run_still_draws_both_panels() {
        let results = Results {
            sizes: vec![10, 1000],
            simulated_rtt_ms: 20,
            simulated_list_ms: 30,
            ..Results::default()
        };
        let svg = svg(&results);
        assert!(svg.starts_with("<svg"), "{}", &svg[..80.min(svg.len())]);
        assert!(svg.contains("S3 requests per retrieve"));
        assert!(svg.contains("p50 latency, ms (warm; S3: 20 ms GET, 30 ms LIST)"));
        for (strategy, _) in SERIES {
            assert!(svg.contains(strategy), "no legend entry for {strategy}");
        }
    }
}
