// C# 8+ code as people write it now (mcs cannot compile it, so the compile test skips
// this folder): nullable annotations, local functions, and syntax tree-sitter trips on.
#nullable enable
using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;

namespace Modern
{
    public sealed class WordSession
    {
        private readonly Action<string> _log;
        private bool async;

        public WordSession(Action<string> log, bool async = false)
        {
            _log = log;
            this.async = async;
        }

        public void Run(string progId, IEnumerable<string> files)
        {
            dynamic word = Activator.CreateInstance(Type.GetTypeFromProgID(progId)!)!;
            Keep(word); // expect: DLR001 at "word"
            dynamic docs = (word.Documents);
            foreach (var file in files)
            {
                dynamic doc = docs.Open(file)!;
                Keep(doc); // expect: DLR002 at "doc"
                _log($"opened {doc} from {file}");
                Close(doc);
                Keep(/* dlrsim: ignore[DLR001] */ doc);
                /* dlrsim: ignore[DLR002] */
                Keep(doc.Content);
#pragma warning suppress DLR001
                Keep(doc.Paragraphs);
                Keep(doc.Tables); // expect: DLR002 at "doc.Tables"
            }
            if (async)
                _log("done");

            void Close(dynamic d) => d.Close(false);
        }

#if NEVER_DEFINED
        This old version opened every file twice; kept for reference:
        Keep(word.Documents.Open(file, false)) then Keep(again).
#endif

        public static unsafe void Copy(byte* dst, byte* src, int n)
        {
            for (int i = 0; i < n; i++)
                *(dst++) = *(src++);
        }

        private static void Keep(object o) => GC.KeepAlive(o);
    }
}
