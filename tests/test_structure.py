"""The package's structure: no import cycle (imports inside functions count), Streamlit only in panprd.ui,
and one registry of pages that the page files, navigation and links agree with."""

from __future__ import annotations

import ast
from pathlib import Path

from panprd import filters, pages

PACKAGE = Path(__file__).resolve().parent.parent / "panprd"
APP_DIR = PACKAGE.parent


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(root: Path) -> dict[str, set[str]]:
    """Each module of the package -> the package's modules it imports anywhere (functions included)."""
    modules = {module_name(p, root): p for p in root.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                found |= {base, *(f"{base}.{a.name}" for a in node.names)}
        graph[name] = {m for m in found if m in modules and m != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    state: dict[str, int] = {}
    out: list[list[str]] = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                out.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [])
    return out


def test_the_package_has_no_import_cycle():
    graph = import_graph(PACKAGE)
    assert len(graph) >= 15 and "panprd.ui.frame" in graph["panprd.ui.map_page"]
    assert cycles(graph) == []


def test_the_cycle_finder_sees_a_cycle_made_by_an_import_inside_a_function(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg.sub import b\n")
    (package / "sub" / "b.py").write_text("def f():\n    from .. import a\n    return a\n")
    assert cycles(import_graph(package)) == [["pkg.a", "pkg.sub.b", "pkg.a"]]


def test_only_the_ui_package_imports_streamlit():
    importers = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(n.split(".")[0] in ("streamlit", "streamlit_folium") for n in names):
                importers.add(path.relative_to(PACKAGE).parts[0])
    assert importers == {"ui"}


def test_every_registered_page_has_its_file_and_every_page_file_is_registered():
    files = {p.name for p in (APP_DIR / "pages").glob("*.py")}
    assert files == {Path(p.file).name for p in pages.PAGES}
    for spec in pages.PAGES:  # each page file hands its own key to the frame
        assert f'frame.body("{spec.key}", ' in (APP_DIR / spec.file).read_text(encoding="utf-8")
    assert pages.PAGES[0].path == "./" and filters.page_href("units") == "./units"
    assert set(pages.LAYER_PAGE) == {"corridor", "transfer_zone", "ecology"}


def readme_layout() -> set[str]:
    """The paths the README's layout block names at the start of a line."""
    text = (APP_DIR / "README.md").read_text(encoding="utf-8")
    block = text[text.index("```\napp.py ") + 4:]
    block = block[: block.index("```")]
    return {line.split()[0] for line in block.splitlines() if line and not line[0].isspace()}


def test_readme_names_every_module() -> None:
    named = readme_layout()
    modules = sorted(str(p.relative_to(APP_DIR)) for p in [*PACKAGE.rglob("*.py"), *PACKAGE.rglob("*.js")])
    missing = [m for m in modules if m not in named]
    assert not missing, f"README.md's layout does not name: {missing} (a line each: the path, then what it is for)"
    gone = sorted(n for n in named if n.startswith("panprd/") and not (APP_DIR / n).exists())
    assert not gone, f"README.md's layout names modules that do not exist: {gone}"
