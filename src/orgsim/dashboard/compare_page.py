import solara


@solara.component
def ComparePage():
    solara.Text("compare")
