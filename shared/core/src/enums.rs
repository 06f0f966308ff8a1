//! The small enums of the domain. Each has a stable lowercase name (what the database stores and
//! the CLI prints) and converts to and from its protobuf twin.

use crate::Invalid;
use specdoc_proto::job::v1 as pb;

/// Declares a domain enum with its stored name and its protobuf twin.
macro_rules! domain_enum {
    ($(#[$doc:meta])* $name:ident => $pb:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable lowercase name, as stored and printed.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// The variant with this stored name.
            pub fn from_name(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }

            /// The variant for a protobuf value; `None` for UNSPECIFIED or unknown values.
            pub fn from_proto(value: i32) -> Option<Self> {
                match pb::$pb::try_from(value).ok()? { $(pb::$pb::$variant => Some($name::$variant),)+ _ => None }
            }

            /// The protobuf value.
            pub fn to_proto(self) -> i32 {
                (match self { $($name::$variant => pb::$pb::$variant),+ }) as i32
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

domain_enum!(
    /// What a job produces.
    JobType => JobType {
        /// Documents plus a quality score.
        Documentation = "documentation",
        /// A quality score only.
        QualityScore = "quality_score",
    }
);

domain_enum!(
    /// The kind of API description.
    SpecFormat => SpecFormat {
        /// OpenAPI 3.0.x.
        Openapi30 = "openapi_3_0",
        /// OpenAPI 3.1.x.
        Openapi31 = "openapi_3_1",
        /// Swagger 2.0.
        Swagger20 = "swagger_2_0",
    }
);

domain_enum!(
    /// A document a job renders.
    OutputFormat => OutputFormat {
        /// GitHub-flavoured Markdown.
        Markdown = "markdown",
        /// A self-contained HTML page.
        Html = "html",
    }
);

domain_enum!(
    /// How a documentation job writes the prose its spec lacks.
    Generation => Generation {
        /// No generated prose.
        Off = "off",
        /// Write what is missing (the default).
        FillMissing = "fill_missing",
        /// Rewrite all prose with the LLM.
        RewriteAll = "rewrite_all",
    }
);

domain_enum!(
    /// Dispatch priority.
    Priority => Priority {
        /// Served first.
        High = "high",
        /// The default.
        Normal = "normal",
        /// Served when nothing else waits.
        Low = "low",
    }
);

domain_enum!(
    /// A step of the pipeline, or `Job` for lifecycle events.
    Step => Step {
        /// Parse and normalise the spec.
        Parse = "parse",
        /// Write missing prose.
        Generate = "generate",
        /// Render documents.
        Format = "format",
        /// Score quality.
        Score = "score",
        /// Store results.
        Store = "store",
        /// The job as a whole.
        Job = "job",
    }
);

domain_enum!(
    /// What happened to a step.
    StepStatus => StepStatus {
        /// It began.
        Started = "started",
        /// It ended well.
        Succeeded = "succeeded",
        /// It ended badly.
        Failed = "failed",
        /// The job type does not need it.
        Skipped = "skipped",
        /// It ended in a reduced form.
        Degraded = "degraded",
    }
);

domain_enum!(
    /// A job's lifecycle state.
    JobState => JobState {
        /// Committed, waiting for a worker.
        Queued = "queued",
        /// A worker runs it under a lease.
        Processing = "processing",
        /// Finished with results.
        Completed = "completed",
        /// Finished without results.
        Failed = "failed",
        /// Cancelled by a client.
        Cancelled = "cancelled",
        /// Waiting out a backoff before it is queued again.
        Retrying = "retrying",
    }
);

impl JobState {
    /// Terminal states absorb: no transition leaves them.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Completed | Self::Failed | Self::Cancelled)
    }

    /// Whether the lifecycle allows going from `self` to `next`.
    pub fn can_become(self, next: JobState) -> bool {
        use JobState::*;
        matches!(
            (self, next),
            (Queued, Processing | Cancelled | Failed)
                | (
                    Processing,
                    Completed | Failed | Cancelled | Retrying | Queued
                )
                | (Retrying, Queued | Processing | Cancelled | Failed)
        )
    }
}

impl OutputFormat {
    /// Parses the request's `output_formats`; empty means every format.
    pub fn parse_list(values: &[i32]) -> Result<Vec<OutputFormat>, Invalid> {
        if values.is_empty() {
            return Ok(OutputFormat::ALL.to_vec());
        }
        let mut formats = Vec::with_capacity(values.len());
        for &value in values {
            let format = OutputFormat::from_proto(value).ok_or_else(|| {
                Invalid::new("output_formats", format!("{value} is not MARKDOWN or HTML"))
            })?;
            if !formats.contains(&format) {
                formats.push(format);
            }
        }
        formats.sort();
        Ok(formats)
    }

    /// The file extension of the document.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Markdown => "md",
            Self::Html => "html",
        }
    }

    /// The document's MIME type.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Markdown => "text/markdown; charset=utf-8",
            Self::Html => "text/html; charset=utf-8",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_round_trips_through_its_name_and_proto() {
        for s in JobState::ALL {
            assert_eq!(JobState::from_name(s.as_str()), Some(*s));
            assert_eq!(JobState::from_proto(s.to_proto()), Some(*s));
        }
        for s in Step::ALL {
            assert_eq!(Step::from_proto(s.to_proto()), Some(*s));
        }
        assert_eq!(JobType::from_proto(0), None, "UNSPECIFIED is not a value");
        assert_eq!(JobType::from_proto(99), None);
    }

    #[test]
    fn terminal_states_absorb() {
        for from in JobState::ALL.iter().filter(|s| s.is_terminal()) {
            for to in JobState::ALL {
                assert!(!from.can_become(*to), "{from} -> {to}");
            }
        }
        assert!(JobState::Queued.can_become(JobState::Processing));
        assert!(!JobState::Queued.can_become(JobState::Completed));
    }

    #[test]
    fn output_formats_default_to_all_and_reject_unknowns() {
        assert_eq!(OutputFormat::parse_list(&[]).unwrap(), OutputFormat::ALL);
        assert_eq!(
            OutputFormat::parse_list(&[2, 1, 2]).unwrap(),
            vec![OutputFormat::Markdown, OutputFormat::Html]
        );
        assert_eq!(
            OutputFormat::parse_list(&[0]).unwrap_err().field,
            "output_formats"
        );
    }
}
