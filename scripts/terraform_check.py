#!/usr/bin/env python3
"""`make terraform-check`: the Terraform under terraform/ parses, agrees with the code, and
passes its linters. Every check prints `ok` or `FAIL` with what is wrong; the exit status is
1 when any check failed.

Checks:
  parse      every .tf parses (python-hcl2)
  tables     the schema files are exactly what `nba schemas` generates now, each one is a
             well-formed table of a known dataset (partition field, clustering columns), and
             Terraform declares one table per file (for_each over the files)
  names      datasets, buckets and topics in Terraform equal Dataset::ALL, Bucket::ALL and
             Topic::ALL in shared/core/src/names.rs (both ways); every topic has its
             dead-letter topic and a subscription on it; the raw bucket's finalize
             dead-letter topic is the one the local platform names
  routes     the push subscriptions equal the code's push routes (cli/src/platform.rs,
             nba_predictions::push_routes, nba_publishing::push_routes); each has OIDC, a
             retry policy and a dead-letter policy
  functions  one Cloud Run service per registered function (FUNCTION_TARGET), running the
             binary of the crate that registers it; every NBA_* variable Terraform sets is
             one the config accepts (an unknown one is a startup error)
  topics     every topic Terraform or the clock workflow names exists in the code
  state      Firestore TTL collections equal the collections the code uses; secrets equal
             the API-key variables the scrapers read
  views      every table a view reads exists
  clock      the clock workflow parses, its jobs are the scheduler jobs, its jumps, calls and
             environment variables resolve
  provider   every argument and nested block exists in the google provider's schema (the
             offline stand-in for `terraform validate`)
  fmt        terraform fmt -check -recursive
  checkov    no failed check on terraform/ and deploy/Dockerfile; every inline skip gives
             a reason
"""

from __future__ import annotations

import argparse
import filecmp
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TF = ROOT / "terraform"

failures: list[str] = []


def ok(check: str, what: str) -> None:
    print(f"ok    {check:<9} {what}")


def fail(check: str, what: str) -> None:
    failures.append(f"{check}: {what}")
    print(f"FAIL  {check:<9} {what}")


def expect_equal(check: str, what: str, in_tf: set, in_code: set) -> None:
    missing = sorted(in_code - in_tf)
    extra = sorted(in_tf - in_code)
    if missing:
        fail(check, f"{what}: in the code but not in Terraform: {', '.join(map(str, missing))}")
    if extra:
        fail(check, f"{what}: in Terraform but not in the code: {', '.join(map(str, extra))}")
    if not missing and not extra:
        ok(check, f"{what}: {len(in_tf)} agree")


# --- Terraform, parsed -------------------------------------------------------------------


def unquote(value):
    """python-hcl2 keeps string quotes and block markers: strip both."""
    if isinstance(value, str):
        if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
            return value[1:-1]
        return value
    if isinstance(value, list):
        return [unquote(v) for v in value]
    if isinstance(value, dict):
        return {unquote(k): unquote(v) for k, v in value.items() if not k.startswith("__")}
    return value


class Terraform:
    def __init__(self) -> None:
        self.locals: dict = {}
        self.resources: dict[tuple[str, str], dict] = {}
        self.data: dict[tuple[str, str], dict] = {}
        self.sources: dict[str, str] = {}

    def load(self, hcl2) -> None:
        files = sorted(TF.rglob("*.tf"))
        if not files:
            fail("parse", f"no .tf files under {TF}")
            return
        for path in files:
            rel = str(path.relative_to(ROOT))
            text = path.read_text()
            self.sources[rel] = text
            try:
                doc = unquote(hcl2.loads(text))
            except Exception as e:  # the parser raises several exception types
                fail("parse", f"{rel}: {e}")
                continue
            for block in doc.get("locals", []):
                for k, v in block.items():
                    if k in self.locals:
                        fail("parse", f"{rel}: local.{k} is defined twice")
                    self.locals[k] = v
            for kind, store in (("resource", self.resources), ("data", self.data)):
                for block in doc.get(kind, []):
                    for rtype, named in block.items():
                        for name, body in named.items():
                            store[(rtype, name)] = body
        ok("parse", f"{len(files)} files, {len(self.resources)} resource blocks, {len(self.locals)} locals")

    def resource(self, rtype: str, name: str) -> dict:
        body = self.resources.get((rtype, name))
        if body is None:
            fail("parse", f"resource {rtype}.{name} is missing")
            return {}
        return body

    def local(self, name: str):
        if name not in self.locals:
            fail("parse", f"local.{name} is missing")
            return None
        return self.locals[name]


def block(body: dict, name: str) -> dict:
    """The first nested block `name` of a resource body ({} when absent)."""
    value = body.get(name)
    if isinstance(value, list):
        return value[0] if value else {}
    return value or {}


# --- the Rust code, read -----------------------------------------------------------------


def rust(path: str) -> str:
    return (ROOT / path).read_text()


def impl_ids(source: str, enum: str) -> dict[str, str]:
    """`Enum::Variant => "id"` arms inside `impl Enum { ... pub const fn id ... }`."""
    start = source.index(f"impl {enum} {{")
    fn = source.index("fn id(self)", start)
    end = source.index("\n    }\n", fn)
    return dict(re.findall(rf'{enum}::(\w+)\s*=>\s*"([^"]+)"', source[fn:end]))


def crate_root(path: Path) -> Path:
    for parent in path.parents:
        if (parent / "Cargo.toml").exists():
            return parent
    return ROOT


class Consts:
    """Every `const NAME: &str = "..."` (or `= OTHER;`) in functions/ and shared/, resolved
    within its crate first (two crates may both have a `COLLECTION`)."""

    def __init__(self) -> None:
        raw: dict[Path, dict[str, str]] = {}
        for path in list((ROOT / "functions").rglob("*.rs")) + list((ROOT / "shared").rglob("*.rs")):
            if "/tests/" in str(path):
                continue
            crate = raw.setdefault(crate_root(path), {})
            for name, lit, alias in re.findall(
                r'const\s+(\w+)\s*:\s*&(?:\'static\s+)?str\s*=\s*(?:"([^"]*)"|([\w:]+))\s*;', path.read_text()
            ):
                crate.setdefault(name, lit if lit or not alias else "@" + alias.split("::")[-1])
        self.by_crate: dict[Path, dict[str, str]] = {}
        for root, table in raw.items():
            resolved = {}
            for name, value in table.items():
                for _ in range(5):
                    if not value.startswith("@"):
                        break
                    value = table.get(value[1:], value)
                if not value.startswith("@"):
                    resolved[name] = value
            self.by_crate[root] = resolved
        counts: dict[str, set[str]] = {}
        for table in self.by_crate.values():
            for name, value in table.items():
                counts.setdefault(name, set()).add(value)
        self.unique = {name: next(iter(values)) for name, values in counts.items() if len(values) == 1}

    def get(self, ident: str, where: Path | None = None) -> str | None:
        name = ident.split("::")[-1]
        if where is not None:
            local = self.by_crate.get(crate_root(where), {})
            if name in local:
                return local[name]
        return self.unique.get(name)


def crate_of(path: Path) -> str | None:
    for parent in path.parents:
        manifest = parent / "Cargo.toml"
        if manifest.exists():
            bins = re.findall(r'\[\[bin\]\]\s*name\s*=\s*"([^"]+)"', manifest.read_text())
            return bins[0] if bins else None
    return None


# --- checks ------------------------------------------------------------------------------


def check_tables(tf: Terraform, nba: str | None) -> None:
    schema_dir = TF / "schemas"
    files = sorted(schema_dir.glob("*/*.json"))
    dataset_ids = set(tf.local("dataset_ids") or [])
    before = len(failures)
    for path in files:
        rel = path.relative_to(schema_dir)
        try:
            doc = json.loads(path.read_text())
        except json.JSONDecodeError as e:
            fail("tables", f"{rel}: not JSON: {e}")
            continue
        where = f"{rel}"
        if (doc.get("dataset"), doc.get("table")) != (path.parent.name, path.stem):
            fail("tables", f"{where}: declares {doc.get('dataset')}.{doc.get('table')}, not its path")
        if doc.get("dataset") not in dataset_ids:
            fail("tables", f"{where}: dataset {doc.get('dataset')} is not in local.dataset_ids")
        columns = {c["name"]: c["type"] for c in doc.get("schema", [])}
        part = doc.get("time_partitioning_field")
        if part is not None and columns.get(part) not in ("DATE", "TIMESTAMP", "DATETIME"):
            fail("tables", f"{where}: partition field {part} is not a DATE/TIMESTAMP column")
        if doc.get("require_partition_filter") and part is None:
            fail("tables", f"{where}: requires a partition filter but is not partitioned")
        clustering = doc.get("clustering") or []
        if len(clustering) > 4 or any(c not in columns for c in clustering):
            fail("tables", f"{where}: clustering {clustering} is not up to 4 columns of the table")
    if len(failures) == before:
        ok("tables", f"{len(files)} schema files are well-formed tables of known datasets")

    # One table per file: the table resource iterates over the files themselves.
    table = tf.resource("google_bigquery_table", "table")
    schema_files = str(tf.local("schema_files"))
    if table.get("for_each") != "${local.tables}" or 'fileset("${path.module}/schemas", "*/*.json")' not in schema_files:
        fail("tables", "google_bigquery_table.table must iterate over local.tables = the files schemas/*/*.json")
    else:
        for attr, field in [
            ("schema", "each.value.schema"),
            ("clustering", "each.value.clustering"),
            ("require_partition_filter", "each.value.require_partition_filter"),
        ]:
            if field not in str(table.get(attr)):
                fail("tables", f"google_bigquery_table.table.{attr} does not come from the schema file ({field})")
        if "each.value.time_partitioning_field" not in str(table.get("dynamic")):
            fail("tables", "google_bigquery_table.table's time_partitioning does not come from the schema file")
        ok("tables", "Terraform declares one table per schema file (partitioning, clustering, partition filter from the file)")

    if not nba:
        fail("tables", "no nba binary given (--nba): cannot compare the files with the schema registry")
        return
    if not Path(nba).exists():
        fail("tables", f"{nba} does not exist: build it first (make build)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "schemas"
        run = subprocess.run(
            [nba, "schemas", "--write", str(out), "--api", str(Path(tmp) / "api")],
            capture_output=True,
            text=True,
            cwd=tmp,
        )
        if run.returncode != 0:
            fail("tables", f"`nba schemas` failed: {run.stderr.strip()[-500:]}")
            return
        generated = {str(p.relative_to(out)) for p in out.glob("*/*.json")}
        present = {str(p.relative_to(schema_dir)) for p in files}
        expect_equal("tables", "schema files vs the schema registry", present, generated)
        changed = [f for f in sorted(generated & present) if not filecmp.cmp(out / f, schema_dir / f, shallow=False)]
        if changed:
            fail("tables", f"files differ from the registry (run `make schemas`): {', '.join(changed)}")
        else:
            ok("tables", "every schema file is byte-identical to what `nba schemas` generates")


def check_names(tf: Terraform) -> set[str]:
    names = rust("shared/core/src/names.rs")
    topics = set(impl_ids(names, "Topic").values())
    buckets = set(impl_ids(names, "Bucket").values())
    datasets = set(impl_ids(names, "Dataset").values())

    expect_equal("names", "datasets (Dataset::ALL)", set(tf.local("dataset_ids") or []), datasets)
    bucket_ids = tf.local("bucket_ids") or {}
    ops_only = {"backups": "nba-backups", "temp": "nba-temp"}
    expect_equal(
        "names",
        "buckets (Bucket::ALL; backups and temp are operations-only)",
        {v for k, v in bucket_ids.items() if k not in ops_only},
        buckets,
    )
    for k, v in ops_only.items():
        if bucket_ids.get(k) != v:
            fail("names", f"local.bucket_ids.{k} should be {v}")
    expect_equal("names", "topics (Topic::ALL)", set(tf.local("topic_ids") or []), topics)

    # Prefixing, as Names does it: `{env}-{id}` for topics and buckets, `{env}_{id}` for datasets.
    if '"${local.env}-${id}"' not in str(tf.local("buckets")):
        fail("names", "local.buckets must be `{env}-{id}`")
    if '"${local.env}_${id}"' not in str(tf.local("datasets")):
        fail("names", "local.datasets must be `{env}_{id}`")
    before = len(failures)
    topic = tf.resource("google_pubsub_topic", "topic")
    dlq = tf.resource("google_pubsub_topic", "dead_letter")
    dlq_sub = tf.resource("google_pubsub_subscription", "dead_letter")
    if topic.get("for_each") != "${toset(local.topic_ids)}" or topic.get("name") != "${local.env}-${each.value}":
        fail("names", "google_pubsub_topic.topic must be `{env}-{id}` for each of local.topic_ids")
    if dlq.get("for_each") != "${toset(local.topic_ids)}" or dlq.get("name") != "${local.env}-${each.value}-dlq":
        fail("names", "google_pubsub_topic.dead_letter must be `{env}-{id}-dlq` (Topic::dead_letter_id) for each topic")
    if dlq_sub.get("for_each") != "${google_pubsub_topic.dead_letter}":
        fail("names", "google_pubsub_subscription.dead_letter must subscribe to every dead-letter topic")
    elif len(failures) == before:
        ok("names", "every topic is `{env}-{id}` with a dead-letter twin `{env}-{id}-dlq` and a subscription on it")

    # The raw bucket's finalize trigger dead-letters where the local platform says.
    platform = rust("cli/src/platform.rs")
    m = re.search(r'format!\("\{raw_bucket\}(-[\w-]+)"\)', platform)
    if not m or tf.local("raw_finalize_dlq_topic") != "${local.buckets.raw}" + m.group(1):
        fail("names", f"local.raw_finalize_dlq_topic must be the raw bucket + {m.group(1) if m else '?'} (cli/src/platform.rs)")
    elif ("google_pubsub_subscription", "raw_finalize_dead_letter") not in tf.resources:
        fail("names", "the raw finalize dead-letter topic has no subscription")
    else:
        ok("names", f"raw bucket finalize notifications dead-letter on {{raw bucket}}{m.group(1)}, with a subscription")
    return topics


def check_routes(tf: Terraform, consts: Consts, topic_ids: dict[str, str]) -> None:
    code_routes = set()
    sources = {
        "cli/src/platform.rs": r"const PUSH_ROUTES[^=]*=\s*&\[(.*?)\];",
        "functions/predictions/src/lib.rs": r"fn push_routes\(\)[^{]*\{\s*&\[(.*?)\]",
        "functions/publishing/src/lib.rs": r"fn push_routes\(\)[^{]*\{\s*&\[(.*?)\]",
    }
    for path, pattern in sources.items():
        m = re.search(pattern, rust(path), re.S)
        if not m:
            fail("routes", f"no push routes found in {path}")
            continue
        for variant, const in re.findall(r"\(\s*Topic::(\w+)\s*,\s*([\w:]+)\s*\)", m.group(1)):
            name = consts.get(const)
            if name is None or variant not in topic_ids:
                fail("routes", f"{path}: cannot resolve route (Topic::{variant}, {const})")
                continue
            code_routes.add((topic_ids[variant], name))
    tf_routes = {(r["topic"], r["function"]) for r in (tf.local("push_routes") or {}).values()}
    expect_equal("routes", "push routes (topic → function)", tf_routes, code_routes)
    for key, r in (tf.local("push_routes") or {}).items():
        if key != f"{r['function']}--{r['topic']}":
            fail("routes", f"push route {key} is not named {{function}}--{{topic}}")

    for name in ("push", "raw_finalize"):
        sub = tf.resource("google_pubsub_subscription", name)
        push = block(sub, "push_config")
        problems = []
        if not block(push, "oidc_token").get("service_account_email"):
            problems.append("no OIDC token")
        retry = block(sub, "retry_policy")
        if not (retry.get("minimum_backoff") and retry.get("maximum_backoff")):
            problems.append("no exponential retry policy")
        dead = block(sub, "dead_letter_policy")
        if not (dead.get("dead_letter_topic") and dead.get("max_delivery_attempts")):
            problems.append("no dead-letter policy")
        if not sub.get("ack_deadline_seconds"):
            problems.append("no ack deadline")
        if problems:
            fail("routes", f"google_pubsub_subscription.{name}: {', '.join(problems)}")
        else:
            ok("routes", f"google_pubsub_subscription.{name}: OIDC push, ack deadline, exponential retry, dead letters")


def check_functions(tf: Terraform, consts: Consts) -> None:
    registered: dict[str, str] = {}
    for path in (ROOT / "functions").rglob("*.rs"):
        if "/tests/" in str(path):
            continue
        for const in re.findall(r"pub const (\w+_FUNCTION)\s*:", path.read_text()):
            name = consts.get(const, path)
            binary = crate_of(path)
            if name and binary:
                registered[name] = binary
    functions = tf.local("functions") or {}
    expect_equal("functions", "Cloud Run services vs registered functions", set(functions), set(registered))
    wrong = [f"{k} runs {v.get('binary')}, registered in {registered[k]}" for k, v in functions.items() if k in registered and v.get("binary") != registered[k]]
    if wrong:
        fail("functions", "; ".join(wrong))
    else:
        ok("functions", "each service runs the binary that registers its function")

    service = tf.resource("google_cloud_run_v2_service", "function")
    text = json.dumps(service)
    if service.get("for_each") != "${local.functions}" or '"FUNCTION_TARGET"' not in text or "each.key" not in text:
        fail("functions", "google_cloud_run_v2_service.function must set FUNCTION_TARGET = each.key for each of local.functions")
    for attr in ("cpu", "memory", "min", "max", "concurrency", "timeout"):
        missing = [k for k, v in functions.items() if attr not in v]
        if missing:
            fail("functions", f"{attr} is not set for {', '.join(missing)}")

    config = rust("shared/core/src/config.rs")
    accepted = set(re.findall(r'^\s*"(NBA_\w+)"\s*(?:if [^=]*)?=>', config, re.M))
    foreign = re.search(r"FOREIGN_PREFIXES[^=]*=\s*&\[(.*?)\];", config, re.S)
    prefixes = re.findall(r'"(NBA_\w*)"', foreign.group(1)) if foreign else []
    env_names = set(re.findall(r'name\s*=\s*"(NBA_\w+)"', "\n".join(tf.sources.values())))
    env_names |= set((tf.local("secrets") or {}).keys())
    unknown = sorted(n for n in env_names if n not in accepted and not any(n.startswith(p) for p in prefixes))
    if unknown:
        fail("functions", f"NBA_* variables the config rejects at startup: {', '.join(unknown)}")
    else:
        ok("functions", f"the {len(env_names)} NBA_* variables Terraform sets are accepted by Config")


def check_topic_references(tf: Terraform, topics: set[str]) -> None:
    referenced = set(re.findall(r'google_pubsub_topic\.topic\["([^"]+)"\]', "\n".join(tf.sources.values())))
    for key in ("push_routes",):
        referenced |= {r["topic"] for r in (tf.local(key) or {}).values()}
    for topic_list in (tf.local("publishes") or {}).values():
        referenced |= set(topic_list)
    referenced |= set(tf.local("clock_topics") or [])
    clock = (TF / "workflows" / "clock.yaml").read_text()
    in_clock = set(re.findall(r'prefix \+ "-(nba-[a-z0-9-]+)"', clock))
    unknown = sorted((referenced | in_clock) - topics)
    if unknown:
        fail("topics", f"topics named in Terraform or the clock that the code does not know: {', '.join(unknown)}")
    else:
        ok("topics", f"{len(referenced | in_clock)} topics named by subscriptions, publishers and the clock all exist in the code")
    if not in_clock <= set(tf.local("clock_topics") or []):
        fail("topics", f"the clock publishes on {sorted(in_clock)} but may only publish on local.clock_topics")


def check_state(tf: Terraform, consts: Consts) -> None:
    collections = set()
    for path in list((ROOT / "functions").rglob("*.rs")) + list((ROOT / "shared").rglob("*.rs")):
        if "/tests/" in str(path):
            continue
        for ident in re.findall(r"\.collection\(\s*&?([\w:]+)\s*\)", path.read_text()):
            value = consts.get(ident, path)
            if value:
                collections.add(value)
    expect_equal("state", "Firestore collections (Names::collection) with a TTL policy", set(tf.local("collection_ids") or []), collections)
    bare = set()
    state_call = re.compile(
        r"(?:\.(?:create_if_absent|get|set|delete|update|list|transaction)\(|\b(?:acquire|release)\(\s*[\w.()]+\s*,)\s*([A-Z][A-Z0-9_]+)\s*,"
    )
    for path in list((ROOT / "functions").rglob("*.rs")) + list((ROOT / "shared").rglob("*.rs")):
        if "/tests/" in str(path):
            continue
        for ident in state_call.findall(path.read_text()):
            value = consts.get(ident, path)
            if value:
                bare.add(value)
    # A collection used by its bare id would be shared by every environment of a project.
    if bare:
        fail("state", f"Firestore collections used by bare id (not through Names::collection): {sorted(bare)}")

    secrets_rs = rust("functions/scrapers/src/http/secrets.rs")
    keys = set(re.findall(r'pub const \w+: &str = "(NBA_SECRET_\w+)";', secrets_rs))
    expect_equal("state", "Secret Manager secrets (API keys)", set((tf.local("secrets") or {}).keys()), keys)
    # SecretManagerSource::secret_id: `{env}-` + the name in lower case, `_` → `-`.
    for name, secret_id in (tf.local("secrets") or {}).items():
        expected = "${local.env}-" + name.lower().replace("_", "-")
        if secret_id != expected:
            fail("state", f"local.secrets.{name} is {secret_id!r}; the code reads {expected!r}")


def check_views(tf: Terraform) -> None:
    tables = {str(p.relative_to(TF / "schemas"))[: -len(".json")] for p in (TF / "schemas").glob("*/*.json")}
    views = sorted((TF / "views").glob("*/*.sql"))
    before = len(failures)
    for view in views:
        for dataset, table in re.findall(r"`\$\{(nba_\w+)\}\.(\w+)`", view.read_text()):
            if f"{dataset}/{table}" not in tables and not (TF / "views" / dataset / f"{table}.sql").exists():
                fail("views", f"{view.relative_to(TF)} reads {dataset}.{table}, which no schema file or view declares")
    if len(failures) == before:
        ok("views", f"{len(views)} views read declared tables")


def check_clock(tf: Terraform) -> None:
    """The clock workflow: its jobs are the scheduler's, its jumps and calls resolve, and the
    variables it reads are the ones Terraform gives it."""
    try:
        import yaml
    except ImportError:
        fail("clock", "PyYAML is not installed in the check venv")
        return
    path = TF / "workflows" / "clock.yaml"
    try:
        doc = yaml.safe_load(path.read_text())
    except yaml.YAMLError as e:
        fail("clock", f"{path.relative_to(ROOT)}: {e}")
        return
    text = path.read_text()
    problems = []
    for name, sub in doc.items():
        steps = sub.get("steps", [])

        def walk(steps, names):
            for step in steps:
                (sname, body), = step.items()
                names.add(sname)
                if isinstance(body, dict):
                    for key in ("steps",):
                        if key in body:
                            walk(body[key], names)
                    for cond in body.get("switch", []) or []:
                        if "steps" in cond:
                            walk(cond["steps"], names)
            return names

        names = walk(steps, set())
        for target in re.findall(r"next:\s*(\w+)", yaml.safe_dump(sub)):
            if target not in names and target not in ("end", "continue", "break"):
                problems.append(f"{name}: next: {target} is not a step")
    for call in set(re.findall(r"call:\s*([\w.]+)", text)):
        if "." not in call and call not in doc:
            problems.append(f"call: {call} is not a subworkflow")
    jobs = set(re.findall(r'args\.job == "(\w+)"', text))
    expect_equal("clock", "scheduler jobs vs the clock's jobs", set((tf.local("clock_jobs") or {}).keys()), jobs)
    wf = tf.resource("google_workflows_workflow", "clock")
    given = set((block(wf, "user_env_vars") or wf.get("user_env_vars") or {}).keys())
    read = set(re.findall(r'sys\.get_env\("(NBA_\w+)"\)', text))
    if read - given:
        problems.append(f"reads {sorted(read - given)} which user_env_vars does not set")
    for p in problems:
        fail("clock", p)
    if not problems:
        ok("clock", f"workflows/clock.yaml parses; jumps, calls and its {len(read)} variables resolve")


# Maps, not nested blocks: their keys are data, not schema.
MAP_ARGUMENTS = {"labels", "limits", "params", "user_env_vars", "headers", "label_extractors", "default_labels"}
META_ARGUMENTS = {"for_each", "count", "depends_on", "lifecycle", "provider"}


def check_provider_schema(tf: Terraform, schema_dir: str | None) -> None:
    """Every argument and nested block used exists in the google provider's schema: the
    offline stand-in for `terraform validate` (which needs the provider from the registry).
    The schema comes from cdktf-cdktf-provider-google, generated from the provider."""
    wheels = sorted(Path(schema_dir).glob("cdktf_cdktf_provider_google-*.whl")) if schema_dir else []
    if not wheels:
        fail("provider", f"no provider schema wheel in {schema_dir}: `make terraform-check` downloads it")
        return
    wheel = zipfile.ZipFile(wheels[-1])
    members = set(wheel.namelist())

    def module_source(module: str) -> str | None:
        name = f"cdktf_cdktf_provider_google/{module}/__init__.py"
        return wheel.read(name).decode() if name in members else None

    pinned = re.search(r"hashicorp/google/(\d+\.\d+)\.\d+/docs", module_source("storage_bucket") or "")
    constraint = re.search(r'version\s*=\s*"~>\s*(\d+\.\d+)"', tf.sources.get("terraform/versions.tf", ""))
    if not pinned or not constraint or pinned.group(1) != constraint.group(1):
        fail(
            "provider",
            f"versions.tf pins ~> {constraint.group(1) if constraint else '?'}, the schema checked is {pinned.group(1) if pinned else '?'}",
        )
    unknown = []
    checked = 0
    cache: dict[str, set[str] | None] = {}

    def names_of(module: str) -> set[str] | None:
        if module not in cache:
            src = module_source(module)
            if src is None:
                cache[module] = None
            else:
                cache[module] = set(re.findall(r"\b([a-z_][a-z0-9_]*)\s*:\s*(?:typing|builtins|_cdktf|\"|\[)", src)) | set(
                    re.findall(r"def (?:put_|reset_)?([a-z_0-9]+)\(", src)
                )
        return cache[module]

    def walk(body, names: set[str], where: str, path: str) -> None:
        nonlocal checked
        if not isinstance(body, dict):
            return
        for key, value in body.items():
            if key in META_ARGUMENTS:
                continue
            if key == "dynamic":
                for dyn in value if isinstance(value, list) else [value]:
                    for dname, d in dyn.items():
                        checked += 1
                        if dname not in names:
                            unknown.append(f"{where}: {path}{dname}")
                        content = (d[0] if isinstance(d, list) else d).get("content")
                        for c in content if isinstance(content, list) else [content]:
                            walk(c, names, where, f"{path}{dname}.")
                continue
            checked += 1
            if key not in names:
                unknown.append(f"{where}: {path}{key}")
            if key in MAP_ARGUMENTS:
                continue
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict):
                    walk(item, names, where, f"{path}{key}.")

    for kind, store in (("resource", tf.resources), ("data", tf.data)):
        for (rtype, name), body in store.items():
            module = rtype.removeprefix("google_") if kind == "resource" else "data_" + rtype
            names = names_of(module)
            if names is None:
                unknown.append(f"{kind} type {rtype} does not exist")
                continue
            walk(body, names, f"{rtype}.{name}", "")
    if unknown:
        for u in unknown:
            fail("provider", f"not in the provider schema: {u}")
    else:
        ok("provider", f"{checked} arguments and blocks exist in the google provider {pinned.group(1) if pinned else ''} schema")


def check_fmt() -> None:
    terraform = shutil.which("terraform")
    if not terraform:
        fail("fmt", "terraform is not on PATH (install Terraform >= 1.6 from releases.hashicorp.com or HashiCorp's apt repository)")
        return
    run = subprocess.run([terraform, "fmt", "-check", "-recursive", "-diff", str(TF)], capture_output=True, text=True)
    if run.returncode != 0:
        fail("fmt", f"terraform fmt -check -recursive: run `terraform fmt -recursive terraform`\n{run.stdout[-2000:]}")
    else:
        ok("fmt", "terraform fmt -check -recursive terraform")


def check_checkov(tf: Terraform, checkov: str | None) -> None:
    # Inline skips must say why.
    dockerfile = ROOT / "deploy" / "Dockerfile"
    sources = dict(tf.sources)
    if dockerfile.exists():
        sources[str(dockerfile.relative_to(ROOT))] = dockerfile.read_text()
    for rel, text in sources.items():
        for n, line in enumerate(text.splitlines(), 1):
            if "checkov:skip" in line:
                m = re.search(r"#checkov:skip=(CKV2?_[A-Z0-9]+_\d+):(.{15,})", line)
                if not m:
                    fail("checkov", f"{rel}:{n}: a skip needs `#checkov:skip=CKV_…:<reason>` with a real reason")
    if not checkov or not Path(checkov).exists():
        fail("checkov", f"checkov not found ({checkov}): `make terraform-check` installs it")
        return
    scans = [("terraform/", ["-d", str(TF), "--framework", "terraform"])]
    if dockerfile.exists():
        scans.append(("deploy/Dockerfile", ["-f", str(dockerfile), "--framework", "dockerfile"]))
    for what, target in scans:
        started = time.monotonic()
        run = subprocess.run(
            [checkov, *target, "--skip-download", "--quiet", "--compact", "-o", "json"],
            capture_output=True,
            text=True,
        )
        elapsed = time.monotonic() - started
        try:
            report = json.loads(run.stdout)
        except json.JSONDecodeError:
            fail("checkov", f"{what}: checkov did not answer JSON (exit {run.returncode}): {run.stderr.strip()[-1500:]}")
            continue
        if isinstance(report, list):
            report = report[0]
        summary = report.get("summary", {})
        failed = report.get("results", {}).get("failed_checks", [])
        for c in failed:
            fail("checkov", f"{c['check_id']} {c['resource']} ({c['file_path']}:{c['file_line_range'][0]}): {c['check_name']}")
        if summary.get("parsing_errors"):
            fail("checkov", f"{what}: {summary['parsing_errors']} parsing errors")
        if not failed and not summary.get("parsing_errors"):
            ok(
                "checkov",
                f"{what}: {summary.get('passed', 0)} passed, 0 failed, {summary.get('skipped', 0)} skipped inline with a reason ({elapsed:.0f} s)",
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nba", help="the nba binary (regenerates the schema files to compare)")
    parser.add_argument("--checkov", help="the checkov executable")
    parser.add_argument("--provider-schema", help="directory holding the cdktf-cdktf-provider-google wheel (the provider schema)")
    args = parser.parse_args()
    try:
        import hcl2  # python-hcl2
    except ImportError:
        print("python-hcl2 is not installed: run `make terraform-check` (it creates the venv)", file=sys.stderr)
        return 2

    tf = Terraform()
    tf.load(hcl2)
    consts = Consts()
    topic_variants = impl_ids(rust("shared/core/src/names.rs"), "Topic")
    check_tables(tf, args.nba)
    topics = check_names(tf)
    check_routes(tf, consts, topic_variants)
    check_functions(tf, consts)
    check_topic_references(tf, topics)
    check_state(tf, consts)
    check_views(tf)
    check_clock(tf)
    check_provider_schema(tf, args.provider_schema)
    check_fmt()
    check_checkov(tf, args.checkov)

    print()
    if failures:
        print(f"terraform-check: {len(failures)} check(s) FAILED:")
        for f in failures:
            print(f"  - {f.splitlines()[0]}")
        return 1
    print("terraform-check: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
