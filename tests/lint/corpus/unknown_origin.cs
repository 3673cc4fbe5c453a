// DLR004 (with --all): dynamic arguments of unknown origin inside loops.
using System;
using System.Collections.Generic;

class UnknownOrigin
{
    static void Use(object o) { }

    public void FromParameter(dynamic item, IEnumerable<dynamic> items, object boxed)
    {
        Use(item);
        foreach (var x in items)
        {
            Use(x); // expect: DLR004 at "x)"
            Use(item.Child); // expect: DLR004 at "item.Child"
        }
        for (int i = 0; i < 3; i++)
        {
            dynamic d = boxed;
            Use(d); // expect: DLR004 at "d)"
            dynamic known = 42;
            Use(known);
            dynamic text = "abc" + i;
            Use(text);
            Use((object)item);
        }
    }

    public void KnownNotCom()
    {
        dynamic expando = new System.Dynamic.ExpandoObject();
        for (int i = 0; i < 3; i++)
        {
            Use(expando);
        }
    }
}
