"""Turns the JSON lines of scripts/bench.sh into a Markdown table: one row per
workload, one column per implementation, then eager's target and whether it
was met. Usage: python3 bench/summarize.py results.jsonl"""
import json
import sys

IMPLS = ("eager", "openblas", "loop", "torch", "numpy", "tfdata")
INFO_UNITS = ("count", "info")


def fmt(value):
    return "-" if value is None else f"{value:.4g}"


def main(path):
    rows, notes = {}, []
    with open(path) as f:
        for text in f:
            text = text.strip()
            if not text.startswith("{"):
                continue
            line = json.loads(text)
            if line["unit"] in INFO_UNITS or line["name"].startswith("memory_"):
                notes.append(line)
                continue
            row = rows.setdefault(line["name"], {"unit": line["unit"]})
            row[line["impl"]] = line
    print("| workload | unit | " + " | ".join(IMPLS) + " | eager target | met |")
    print("|---|---|" + "---|" * len(IMPLS) + "---|---|")
    for name, row in rows.items():
        cells = [fmt(row[i]["value"]) if i in row else "" for i in IMPLS]
        eager = row.get("eager", {})
        target = eager.get("target", "")
        if eager.get("target_of") == "ratio":
            target = f"ratio {fmt(eager.get('ratio'))} {target}"
        met = {True: "yes", False: "**no**"}.get(eager.get("met"), "")
        if "error" in eager:
            met = "error: " + eager["error"].splitlines()[0]
        allocs = eager.get("system_allocations_in_loop")
        if allocs is not None:
            cells[0] += f" ({allocs:g} sys. allocs)"
        print(f"| {name} | {row['unit']} | " + " | ".join(cells) + f" | {target} | {met} |")
    for line in notes:
        extras = ", ".join(f"{k}={v}" for k, v in line.items() if k not in ("name", "unit", "impl", "value"))
        print(f"\n- {line['impl']} {line['name']} = {fmt(line['value'])} {line['unit']}; {extras}", end="")
    print()


if __name__ == "__main__":
    main(sys.argv[1])
