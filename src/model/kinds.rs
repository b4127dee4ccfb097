//! The closed sets of the language: build runtimes, resource types and dependency conditions.

use std::fmt;

use schemars::JsonSchema;
use serde::Serialize;

macro_rules! keyword_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, JsonSchema)]
        #[serde(rename_all = "lowercase")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub const ALL: &[Self] = &[$(Self::$variant),+];

            #[must_use]
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }

            /// The keyword's spellings, for suggestions.
            pub fn keywords() -> impl Iterator<Item = &'static str> {
                Self::ALL.iter().map(|k| k.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = ();
            fn from_str(s: &str) -> Result<Self, ()> {
                match s { $($text => Ok(Self::$variant),)+ _ => Err(()) }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

keyword_enum! {
    /// How a built service's image is made.
    Runtime {
        Node = "node",
        Python = "python",
        Go = "go",
        Rust = "rust",
        Java = "java",
        /// A web bundle built with node and served by a web server.
        Static = "static",
        /// The user's own Dockerfile (`build.dockerfile`).
        Dockerfile = "dockerfile",
    }
}

impl Runtime {
    /// Which optional build keys a runtime understands.
    #[must_use]
    pub fn accepts(self, key: &str) -> bool {
        match key {
            "version" | "command" => self != Self::Dockerfile,
            "entry" => !matches!(self, Self::Static | Self::Dockerfile),
            "output" => self == Self::Static,
            "dockerfile" => self == Self::Dockerfile,
            _ => true,
        }
    }
}

keyword_enum! {
    /// What a dependency waits for.
    Condition {
        /// The dependency's container has started.
        Started = "started",
        /// The dependency's health check passes.
        Healthy = "healthy",
        /// The dependency (a job) has exited successfully.
        Completed = "completed",
    }
}

keyword_enum! {
    /// A backing service's type.
    ResourceKind {
        Postgres = "postgres",
        Mysql = "mysql",
        Mariadb = "mariadb",
        Mongodb = "mongodb",
        Redis = "redis",
        Rabbitmq = "rabbitmq",
        Kafka = "kafka",
        Volume = "volume",
    }
}

impl ResourceKind {
    /// Outputs a resource of this type offers to `${resources.<name>.<output>}`.
    #[must_use]
    pub fn outputs(self) -> &'static [&'static str] {
        match self {
            Self::Postgres | Self::Mysql | Self::Mariadb | Self::Mongodb => {
                &["host", "port", "url", "username", "password", "database"]
            }
            Self::Rabbitmq => &["host", "port", "url", "username", "password"],
            Self::Redis | Self::Kafka => &["host", "port", "url"],
            Self::Volume => &[],
        }
    }

    /// Outputs whose value is secret: the password and anything embedding it.
    #[must_use]
    pub fn is_secret_output(self, output: &str) -> bool {
        output == "password" || (output == "url" && self.has_credentials())
    }

    #[must_use]
    pub fn has_credentials(self) -> bool {
        self.outputs().contains(&"password")
    }

    #[must_use]
    pub fn has_database(self) -> bool {
        self.outputs().contains(&"database")
    }

    /// The port the type's server listens on.
    #[must_use]
    pub fn port(self) -> Option<u16> {
        match self {
            Self::Postgres => Some(5432),
            Self::Mysql | Self::Mariadb => Some(3306),
            Self::Mongodb => Some(27017),
            Self::Redis => Some(6379),
            Self::Rabbitmq => Some(5672),
            Self::Kafka => Some(9092),
            Self::Volume => None,
        }
    }

    /// The version used when the spec names none.
    #[must_use]
    pub fn default_version(self) -> Option<&'static str> {
        match self {
            Self::Postgres => Some("16"),
            Self::Mysql => Some("8.4"),
            Self::Mariadb => Some("11.4"),
            Self::Mongodb => Some("7.0"),
            Self::Redis => Some("7"),
            Self::Rabbitmq => Some("3.13"),
            Self::Kafka => Some("3.8.0"),
            Self::Volume => None,
        }
    }

    /// Where the type keeps its data inside the container.
    #[must_use]
    pub fn data_path(self) -> Option<&'static str> {
        match self {
            Self::Postgres => Some("/var/lib/postgresql/data"),
            Self::Mysql | Self::Mariadb => Some("/var/lib/mysql"),
            Self::Mongodb => Some("/data/db"),
            Self::Redis => Some("/data"),
            Self::Rabbitmq => Some("/var/lib/rabbitmq"),
            Self::Kafka => Some("/var/lib/kafka/data"),
            Self::Volume => None,
        }
    }
}
