// A library with its own dynamic call site (compiled to WithLibraryLib.dll next to the program).
public static class Greeter
{
    public static int Measure(dynamic text)
    {
        return text.Length;  // LIBRARY_SITE
    }
}
