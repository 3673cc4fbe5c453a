// Argument types a dlrsim-workload/1 file has no spelling for (a nested class, a generic delegate,
// an array, a generic list), members and indexers used on the program's own class and on the
// list, and delegates the compiler types beyond object (an int operand, a bool result):
// `dlrsim run --record` must still write a workload that loads and replays.
using System;
using System.Collections.Generic;

public static class Program
{
    public class Box
    {
        public object Value;
        public object Add(object a) { return a; }
        public object this[object key] { get { return key; } set { Value = value; } }
    }

    public static int Main(string[] args)
    {
        int n = int.Parse(args[0]);
        dynamic box = new Box();
        object sink = null;
        int total = 0;
        for (int i = 0; i < n; i++)
        {
            box.Value = (object)i;  // SHAPES_SET
            sink = box.Value;  // SHAPES_GET
            sink = box.Add((object)i);  // SHAPES_CALL
            dynamic f = new Func<int, int>(x => x + 1);
            GC.KeepAlive(f);  // SHAPES_DELEGATE
            dynamic a = new int[3];
            GC.KeepAlive(a);  // SHAPES_ARRAY
            dynamic l = new List<string>();
            GC.KeepAlive(l);  // SHAPES_LIST
            l.Add("x");  // SHAPES_LIST_ADD
            sink = l[0];  // SHAPES_LIST_INDEX
            box[i] = (object)i;  // SHAPES_SET_INDEX
            sink = box[i];  // SHAPES_GET_INDEX
            total += box.Value;  // SHAPES_TYPED
            if (box.Value > 5) total++;  // SHAPES_TRUE
        }
        Console.WriteLine(total);
        return 0;
    }
}
