// A library: no entry point.
public static class Library
{
    public static object Twice(dynamic d) { return d * 2; }
}
