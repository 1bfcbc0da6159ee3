app_name = "planning_portal"
urlpatterns: list = []
