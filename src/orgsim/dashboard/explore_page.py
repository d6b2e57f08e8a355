import solara


@solara.component
def ExplorePage():
    solara.Text("explore")
