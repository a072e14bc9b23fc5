var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddVendorServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapDeliveriesApi();

app.Run();
