"""Apache Jena's command-line tools (Debian's ``libapache-jena-java``, installed by ``.ci/run``) for the tests
that need a real Java SPARQL client (``rsparql``) or a federating engine (``sparql`` with SERVICE).

Debian ships the jars without launch scripts and without a ``Class-Path``; this module puts the class path
together. Debian's jena-core (4.5.0-2) also relocated its bundled Xerces classes to ``xerces.*`` but left
their message bundles under ``org/apache/jena/ext/xerces/``, so the first XSD datatype fails to initialise
("internal error"); ``jena_command`` copies those bundles to where the classes look for them, in a folder of
the test's own.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

JAVA_DIR = Path("/usr/share/java")
#: Jena's own jars plus the libraries they need (Debian's names, without version)
_LIBRARIES = ("commons-cli", "commons-codec", "commons-compress", "commons-csv", "commons-io", "commons-lang3",
              "gson", "guava", "httpclient", "httpcore", "jackson-core", "jackson-databind", "jackson-annotations",
              "jakarta.json-api", "jsonld-java", "thrift", "protobuf", "slf4j-api", "slf4j-nop", "dexx.collection",
              "titanium-json-ld")
_MOVED_RESOURCES = "org/apache/jena/ext/xerces/"
_VERSIONED = re.compile(r"-\d[\w.]*\.jar$")  # jena-core-4.5.0.jar beside jena-core.jar


def jena_missing() -> str | None:
    """Why Jena cannot run here, or None."""
    if shutil.which("java") is None:
        return "java is not installed (Debian: default-jre-headless)"
    if not (JAVA_DIR / "jena-arq.jar").is_file() or not (JAVA_DIR / "jena-cmds.jar").is_file():
        return "Apache Jena is not installed (Debian: apt-get install libapache-jena-java; .ci/run does it)"
    return None


def jena_command(main_class: str, folder: Path) -> list[str]:
    """``java -cp … <main_class>``: e.g. ``arq.rsparql`` or ``arq.sparql``; ``folder`` receives the resources."""
    resources = folder / "jena-resources"
    if not resources.is_dir():
        with zipfile.ZipFile(JAVA_DIR / "jena-core.jar") as jar:
            for name in jar.namelist():
                if name.startswith(_MOVED_RESOURCES) and not name.endswith((".class", "/")):
                    target = resources / "xerces" / name[len(_MOVED_RESOURCES):]
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(jar.read(name))
    jars = sorted(str(jar) for jar in JAVA_DIR.glob("jena-*.jar") if not _VERSIONED.search(jar.name))
    jars += [str(JAVA_DIR / f"{name}.jar") for name in _LIBRARIES if (JAVA_DIR / f"{name}.jar").is_file()]
    return ["java", "-cp", ":".join([*jars, str(resources)]), main_class]


def run_jena(main_class: str, args: list[str], folder: Path, timeout: float = 120) -> str:
    """Run a Jena command; its standard output, or AssertionError with its output when it fails."""
    done = subprocess.run([*jena_command(main_class, folder), *args], check=False, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, f"{main_class} {args} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done.stdout
