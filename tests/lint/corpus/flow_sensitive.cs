// Locals are tracked statement by statement: reassignment, branches, loops; captured ones by their join.
using System; using System.Runtime.InteropServices;
class F {
  static void Use(object o) {}
  void A(Type t) {
    dynamic x = Activator.CreateInstance(Type.GetTypeFromProgID("a"));
    Marshal.FinalReleaseComObject((object)x);
    x = 5;
    Use(x);
    x = Marshal.GetActiveObject("b");
    Use(x); // expect: DLR001 at "x)"
    dynamic y = 1;
    if (t != null) y = Marshal.GetActiveObject("c");
    Use(y); // expect: DLR001 at "y)"
    dynamic z = 1;
    for (int i = 0; i < 3; i++) { Use(z); z = Marshal.GetActiveObject("d"); } // expect: DLR002 at "z)"
    dynamic w = Marshal.GetActiveObject("e");
    w = null;
    Use(w);
    Action a = () => Use(w); // expect: DLR001 at "w)"
  }
}
