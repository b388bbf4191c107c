// The resource library carries only compiled-in data (see CMakeLists.txt); this
// translation unit gives the static library a body.
namespace md::resources {
int schemaResourceAnchor()
{
    return 1;
}
} // namespace md::resources
