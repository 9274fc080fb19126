// Placeholder for the l2met_ui library; the desktop window arrives with its issue.
#pragma once
namespace l2met::ui {
int version();
}
