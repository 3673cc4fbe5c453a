"""Generate a synthetic but realistic C# corpus for the linter benchmark.

Most files are ordinary business code (properties, LINQ, loops, exceptions,
async); a fraction automates Office through ``dynamic`` the way real interop
code does, with both the leaky and the cast forms. Deterministic for a seed,
so figures can be reproduced.
"""

from __future__ import annotations

import argparse
import os
import random

PLAIN_MEMBER = [
    """
    public {T} {N}Value {{ get; set; }}
""",
    """
    private readonly Dictionary<string, {T}> _{n}Cache = new Dictionary<string, {T}>();
""",
    """
    public IEnumerable<{T}> Filter{N}(IEnumerable<{T}> items, Func<{T}, bool> predicate)
    {{
        if (items == null) throw new ArgumentNullException(nameof(items));
        var result = new List<{T}>();
        foreach (var item in items)
        {{
            if (predicate(item))
            {{
                result.Add(item);
            }}
        }}
        return result.OrderBy(x => x.GetHashCode()).ToList();
    }}
""",
    """
    public async Task<int> Load{N}Async(string path, CancellationToken token)
    {{
        using (var reader = new StreamReader(path))
        {{
            int count = 0;
            string line;
            while ((line = await reader.ReadLineAsync()) != null)
            {{
                token.ThrowIfCancellationRequested();
                if (line.StartsWith("#", StringComparison.Ordinal)) continue;
                var parts = line.Split(',');
                count += parts.Length > 2 ? int.Parse(parts[2]) : 0;
            }}
            return count;
        }}
    }}
""",
    """
    public string Describe{N}(int level)
    {{
        var sb = new StringBuilder();
        for (int i = 0; i < level; i++)
        {{
            sb.Append(' ', i * 2).AppendLine($"level {{i}}: {{_{n}Cache.Count}} entries");
        }}
        switch (level)
        {{
            case 0: return "none";
            case 1: return sb.ToString().Trim();
            default:
                try
                {{
                    return string.Join(";", _{n}Cache.Keys.Where(k => k.Length > level));
                }}
                catch (InvalidOperationException ex)
                {{
                    Console.Error.WriteLine(ex.Message);
                    return string.Empty;
                }}
        }}
    }}
""",
    """
    public static int Compute{N}(int[] values, int seed = 17)
    {{
        unchecked
        {{
            int hash = seed;
            foreach (var v in values)
            {{
                hash = hash * 31 + v;
                if ((hash & 1) == 0) hash ^= v << 3;
            }}
            return values.Length == 0 ? 0 : hash % values.Length;
        }}
    }}
""",
]

DYNAMIC_MEMBER = [
    """
    public void Export{N}(string file)
    {{
        var comType = Type.GetTypeFromProgID("Excel.Application");
        dynamic excel = Activator.CreateInstance(comType);
        dynamic book = excel.Workbooks.Open(file);
        foreach (dynamic sheet in book.Worksheets)
        {{
            Log(sheet.Name);
            Marshal.ReleaseComObject(sheet);
        }}
        Marshal.FinalReleaseComObject(book);
        Marshal.FinalReleaseComObject((object)excel);
    }}
""",
    """
    public void Fill{N}(object[] rows)
    {{
        dynamic app = Marshal.GetActiveObject("Excel.Application");
        dynamic sheet = app.ActiveSheet;
        for (int r = 0; r < rows.Length; r++)
        {{
            dynamic cell = sheet.Cells[r + 1, 1];
            cell.Value2 = rows[r];
            Release((object)cell);
        }}
        Release(sheet);
    }}
""",
    """
    public void Script{N}(dynamic engine, IEnumerable<object> items)
    {{
        foreach (var item in items)
        {{
            dynamic wrapped = item;
            engine.Execute("process", wrapped);
            Trace(wrapped);
        }}
    }}
""",
    """
    private dynamic _word{N};

    public void Open{N}()
    {{
        _word{N} = Activator.CreateInstance(Type.GetTypeFromProgID("Word.Application"));
        _word{N}.Visible = false;
    }}

    public void Close{N}()
    {{
        _word{N}.Quit();
        Marshal.FinalReleaseComObject(_word{N});
    }}
""",
]

HEADER = """using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using System.Runtime.InteropServices;

namespace Bench.{ns}
{{
    /// <summary>Generated class {cls}.</summary>
    public class {cls}
    {{
        private static void Log(object value) => Console.WriteLine(value);
        private static void Trace(object value) => System.Diagnostics.Trace.WriteLine(value);
        private static void Release(object value) => Marshal.ReleaseComObject(value);
"""

FOOTER = """    }
}
"""

TYPES = ["int", "string", "double", "Guid", "DateTime", "decimal", "long"]


def make_file(rng: random.Random, index: int, dynamic_share: float, members: int) -> str:
    cls = f"Service{index:05d}"
    parts = [HEADER.format(ns=f"Area{index % 37}", cls=cls)]
    use_dynamic = rng.random() < dynamic_share
    for m in range(members):
        n = f"{m}"
        if use_dynamic and rng.random() < 0.25:
            tpl = rng.choice(DYNAMIC_MEMBER)
        else:
            tpl = rng.choice(PLAIN_MEMBER)
        parts.append(tpl.format(T=rng.choice(TYPES), N=f"Item{n}", n=f"item{n}"))
    parts.append(FOOTER)
    return "".join(parts)


def generate(out_dir: str, total_bytes: int, seed: int = 1, dynamic_share: float = 0.3) -> tuple[int, int]:
    rng = random.Random(seed)
    os.makedirs(out_dir, exist_ok=True)
    size = 0
    i = 0
    while size < total_bytes:
        text = make_file(rng, i, dynamic_share, rng.randint(8, 40))
        path = os.path.join(out_dir, f"Service{i:05d}.cs")
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        size += len(text.encode("utf-8"))
        i += 1
    return i, size


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("out_dir")
    ap.add_argument("--mb", type=float, default=4.0, help="approximate corpus size in MB")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    n, size = generate(args.out_dir, int(args.mb * 1_000_000), args.seed)
    print(f"{n} files, {size / 1e6:.2f} MB in {args.out_dir}")


if __name__ == "__main__":
    main()
