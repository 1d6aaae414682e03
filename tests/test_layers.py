"""Which package of `motcua` may import which, read from the source with `ast`.

The spine depends on nothing above it: the dossiers import the counters, never the index that
reads them; a domain package never imports the pages people use (`portal`, `office`), the API
or the index. Every `import` counts, at module level or inside a function: an import deferred
to dodge a cycle still makes one. Dotted paths in strings (URL `include`s, settings) are the
project's wiring and are not imports.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import motcua

SRC = Path(motcua.__file__).parent

# From the bottom up. A package may import any package on a layer below its own, none on its
# own layer or above: two packages side by side stay independent of each other.
LAYERS: tuple[tuple[str, ...], ...] = (
    # working time, calendar, errors, audit, outbox
    ("core",),
    # agencies and staff; the daily counters (the agency by app label only); the registry
    # adapter; what every server-rendered page does the same way
    ("directory", "counters", "integration", "pages"),
    ("catalog",),
    # the spine
    ("dossiers",),
    # capabilities beside the dossier, each writing through the spine
    # (`sync` sends the dossiers' changes to the national instance)
    ("esign", "notifications", "payments", "sync"),
    # petitions: notify the citizen through `notifications`; reform tasks (core, directory)
    ("feedback", "reform", "ballots", "consultation"),
    # official letters with the document-management systems: a consultation pauses and its
    # answer resumes a dossier through the spine; the key is the sync's
    ("docexchange",),
    # the messaging channel: tracking, notifications (`notifications`), petitions (`feedback`)
    ("messaging",),
    # the read side: sums the counters, reads dossiers and the catalog
    ("index",),
    # national mode: snapshots of the provinces' dossiers, scored with the index's engine
    ("national",),
    # the pages of citizens and officers
    ("office", "portal"),
    # bundles of procedures applied for together: one page over the portal's prefill
    ("bundles",),
    ("api", "demo"),
    # the stand-ins for the outside services (VNeID, the registries): a process of its own
    ("standins",),
    # the project's wiring
    ("cli", "settings", "urls", "wsgi"),
)
LAYER = {package: rank for rank, packages in enumerate(LAYERS) for package in packages}

DOMAIN = (
    "core",
    "directory",
    "counters",
    "integration",
    "catalog",
    "dossiers",
    "esign",
    "notifications",
    "payments",
    "feedback",
    "docexchange",
)
ABOVE_EVERY_DOMAIN = ("portal", "office", "api", "index", "demo", "urls")


def _module_name(path: Path, root: Path = SRC) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(path: Path, root: Path = SRC) -> list[tuple[int, str]]:
    """(line, dotted name) of every `motcua` module or name this file imports."""
    module = _module_name(path, root)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # `from motcua import pages` imports the module `motcua.pages`.
            names = [f"{base}.{alias.name}" for alias in node.names] if base == "motcua" else [base]
            found += [(node.lineno, name) for name in names]
    return sorted((line, name) for line, name in found if name.startswith("motcua."))


def _package_of(dotted: str) -> str:
    return dotted.split(".")[1]


def _edges() -> dict[tuple[str, str], list[str]]:
    """(importing package, imported package) → where, as `path:line`."""
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in sorted(SRC.rglob("*.py")):
        if path == SRC / "__init__.py":
            continue
        source = _package_of(_module_name(path))
        for line, name in _imported(path):
            target = _package_of(name)
            if target != source:
                edges[(source, target)].append(f"{path.relative_to(SRC)}:{line}")
    return edges


def _cycles(edges) -> list[list[str]]:
    """The strongly connected components of more than one package (Tarjan)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for source, target in edges:
        graph[source].add(target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for following in sorted(graph[node]):
            if following not in index:
                visit(following)
                low[node] = min(low[node], low[following])
            elif following in stack:
                low[node] = min(low[node], index[following])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def test_every_package_has_a_layer():
    packages = {
        path.stem if path.is_file() else path.name
        for path in SRC.iterdir()
        if (path.is_file() and path.suffix == ".py" and path.stem != "__init__")
        or (path / "__init__.py").exists()
    }
    assert packages - set(LAYER) == set()


def test_no_two_packages_import_each_other_even_through_others():
    edges = _edges()
    found = {
        " → ".join(component): {
            f"{s} → {t}": where[0] for (s, t), where in edges.items() if {s, t} <= set(component)
        }
        for component in _cycles(edges)
    }
    assert found == {}


def test_every_import_points_down_the_layers():
    upward = {
        f"{source} → {target}": where
        for (source, target), where in _edges().items()
        if LAYER[target] >= LAYER[source]
    }
    assert upward == {}


def test_domain_packages_never_import_pages_api_or_the_index():
    found = {
        f"{source} → {target}": where
        for (source, target), where in _edges().items()
        if source in DOMAIN and target in ABOVE_EVERY_DOMAIN
    }
    assert found == {}


def test_the_reading_of_imports_sees_deferred_relative_and_from_package_imports(tmp_path):
    # The rules above are only as good as `_imported`.
    root = tmp_path / "motcua"
    module = root / "dossiers" / "sub" / "mod.py"
    module.parent.mkdir(parents=True)
    module.write_text(
        "import os\n"
        "from motcua import pages\n"
        "from ..models import Dossier\n"
        "def later():\n"
        "    import motcua.index.engine\n"
        "from . import sibling\n"
    )

    assert _imported(module, root) == [
        (2, "motcua.pages"),
        (3, "motcua.dossiers.models"),
        (5, "motcua.index.engine"),
        (6, "motcua.dossiers.sub"),
    ]
